// The module's only C#: P/Invoke declarations for include/userphoto.h and a thin managed
// layer over them (SafeHandles, status -> exception, UTF-8 strings, buffer copies).
// Plain C# 5, so that Windows PowerShell 5.1's Add-Type compiles it as well as PowerShell 7
// and Mono's mcs. UserPhoto.psm1 replaces the library token below with the absolute path of
// the native library before Add-Type; scripts/interop.sh does the same for the Mono harness.
using System;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;

namespace UserPhoto.Native
{
    // up_status, numerically identical to include/userphoto.h (checked by scripts/check_interop.py).
    public enum UpStatus
    {
        Ok = 0,
        NullArgument = 1,
        InvalidHandle = 2,
        InvalidUtf8 = 3,
        InvalidJson = 4,
        InvalidOptions = 5,
        Panic = 6,
        IndexOutOfRange = 7,
        EmptyInput = 100,
        InputTooLarge = 101,
        UnsupportedFormat = 102,
        DimensionsTooLarge = 103,
        TooManyPixels = 104,
        TooSmall = 105,
        Animated = 106,
        Truncated = 107,
        Corrupt = 108,
        BudgetUnreachable = 109,
        EncodeFailed = 110,
        Io = 111,
        CheckRefused = 112,
        Config = 200,
        Auth = 201,
        UserNotFound = 202,
        Forbidden = 203,
        PolicyBlocked = 204,
        ImageRejected = 205,
        TooLarge = 206,
        Throttled = 207,
        Graph = 208,
        Network = 209,
        NoPhoto = 210,
        Cancelled = 211,
        Journal = 212,
        JobFinished = 213,
        InvalidCredentials = 300,
        AmbiguousUser = 301,
        ThumbnailTooLarge = 302,
        ConstraintViolation = 303,
        DirectoryUnavailable = 304,
        DirectoryTls = 305,
        Ldap = 306,
        VerifyMismatch = 307
    }

    // A failed native call: the status, its stable name and the library's message.
    public class UserPhotoException : Exception
    {
        private readonly UpStatus status;
        private readonly string reason;
        private readonly string nativeMessage;

        public UserPhotoException(UpStatus status, string reason, string nativeMessage)
            : base(string.IsNullOrEmpty(nativeMessage) ? reason : nativeMessage)
        {
            this.status = status;
            this.reason = reason;
            this.nativeMessage = nativeMessage;
        }

        public UpStatus Status { get { return status; } }
        public int Code { get { return (int)status; } }
        // The library's stable name of the status, e.g. "user-not-found".
        public string Reason { get { return reason; } }
        public string NativeMessage { get { return nativeMessage; } }
    }

    // Base for the library's handles: never freed twice, and a non-owning wrapper can be
    // made around a raw pointer (tests use that to pass stale or wrong handles).
    public abstract class UpHandle : SafeHandle
    {
        protected UpHandle() : base(IntPtr.Zero, true) { }
        protected UpHandle(IntPtr existing, bool ownsHandle) : base(IntPtr.Zero, ownsHandle)
        {
            SetHandle(existing);
        }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
    }

    public sealed class UpBufferHandle : UpHandle
    {
        public UpBufferHandle() { }
        public UpBufferHandle(IntPtr existing, bool ownsHandle) : base(existing, ownsHandle) { }
        protected override bool ReleaseHandle() { NativeMethods.up_buffer_free(handle); return true; }
    }

    public sealed class UpRenditionsHandle : UpHandle
    {
        public UpRenditionsHandle() { }
        public UpRenditionsHandle(IntPtr existing, bool ownsHandle) : base(existing, ownsHandle) { }
        protected override bool ReleaseHandle() { NativeMethods.up_renditions_free(handle); return true; }
    }

    public sealed class UpClientHandle : UpHandle
    {
        public UpClientHandle() { }
        public UpClientHandle(IntPtr existing, bool ownsHandle) : base(existing, ownsHandle) { }
        protected override bool ReleaseHandle() { NativeMethods.up_client_free(handle); return true; }
    }

    // An Active Directory domain controller connection (bind account, TLS trust).
    public sealed class UpDirectoryHandle : UpHandle
    {
        public UpDirectoryHandle() { }
        public UpDirectoryHandle(IntPtr existing, bool ownsHandle) : base(existing, ownsHandle) { }
        protected override bool ReleaseHandle() { NativeMethods.up_directory_free(handle); return true; }
    }

    // A job keeps its client and directory alive: the header asks for them to be freed after
    // their jobs. Freeing a job that has not finished cancels it.
    public sealed class UpJobHandle : UpHandle
    {
        private static int live;
        private int counted;
        private UpHandle client;
        private UpHandle directory;

        public UpJobHandle() { }
        public UpJobHandle(IntPtr existing, bool ownsHandle) : base(existing, ownsHandle) { }

        // Native jobs started through Api and not yet freed, in this process.
        public static int Live { get { return Interlocked.CompareExchange(ref live, 0, 0); } }

        internal void Started()
        {
            if (Interlocked.Exchange(ref counted, 1) == 0) Interlocked.Increment(ref live);
        }

        internal void HoldClient(UpClientHandle owner) { client = Hold(owner); }

        internal void HoldDirectory(UpDirectoryHandle owner) { directory = Hold(owner); }

        private static UpHandle Hold(UpHandle owner)
        {
            if (owner == null) return null;
            bool added = false;
            owner.DangerousAddRef(ref added);
            return added ? owner : null;
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.up_job_free(handle);
            if (client != null) client.DangerousRelease();
            if (directory != null) directory.DangerousRelease();
            if (Interlocked.Exchange(ref counted, 0) == 1) Interlocked.Decrement(ref live);
            return true;
        }
    }

    // Cancels and frees a job when the PowerShell pipeline that feeds it ends without the
    // cmdlet's own cleanup: Ctrl+C or PowerShell.Stop(), or a terminating error in another
    // command of the pipeline. A script function has no StopProcessing, and then neither its
    // `end` nor its `finally` is sure to run (the stop may land while an upstream command
    // runs, and 7.4+ may skip commands in a `finally` after Ctrl+C), so a timer thread
    // watches the pipeline instead: the public Cmdlet.Stopping, and, where the engine has
    // it, the pipeline processor's private stopping flag, which a terminating error and the
    // pipeline's disposal set as well. Both are read by reflection, so that this file needs no
    // System.Management.Automation reference (Mono compiles it too); when the private flag
    // is not found only Stopping is watched. The cmdlet disposes the guard when it finishes
    // the job itself. Nothing here calls into PowerShell from the timer thread.
    public sealed class PipelineJobGuard : IDisposable
    {
        private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        private readonly object gate = new object();
        private readonly UpJobHandle job;
        private readonly object cmdlet;
        private readonly PropertyInfo stopping;
        private readonly object processor;
        private readonly FieldInfo processorStopping;
        private Timer timer;
        private bool fired;

        private PipelineJobGuard(object cmdlet, UpJobHandle job, int periodMs)
        {
            this.cmdlet = cmdlet;
            this.job = job;
            stopping = cmdlet.GetType().GetProperty("Stopping", BindingFlags.Instance | BindingFlags.Public);
            try
            {
                PropertyInfo runtimeProperty = cmdlet.GetType().GetProperty("CommandRuntime", BindingFlags.Instance | BindingFlags.Public);
                object runtime = runtimeProperty == null ? null : runtimeProperty.GetValue(cmdlet, null);
                PropertyInfo processorProperty = runtime == null ? null : runtime.GetType().GetProperty("PipelineProcessor", Instance);
                processor = processorProperty == null ? null : processorProperty.GetValue(runtime, null);
                if (processor != null)
                {
                    // "_stopping" in PowerShell 7; "stopping" in engines older than its field renaming.
                    processorStopping = processor.GetType().GetField("_stopping", Instance) ?? processor.GetType().GetField("stopping", Instance);
                    if (processorStopping != null && processorStopping.FieldType != typeof(bool)) processorStopping = null;
                }
            }
            catch (Exception)
            {
                processor = null;
                processorStopping = null;
            }
            timer = new Timer(Tick, null, periodMs, periodMs);
        }

        // Watches `cmdlet` (the function's $PSCmdlet) for as long as the guard lives.
        public static PipelineJobGuard Watch(object cmdlet, UpJobHandle job)
        {
            if (cmdlet == null) throw new ArgumentNullException("cmdlet");
            if (job == null) throw new ArgumentNullException("job");
            return new PipelineJobGuard(cmdlet, job, 100);
        }

        // Whether the guard saw the pipeline end and cancelled the job.
        public bool Fired { get { lock (gate) { return fired; } } }

        // Whether a terminating error elsewhere in the pipeline is noticed too (the engine's
        // private flag was found), not only a stop.
        public bool WatchesFailures { get { return processorStopping != null; } }

        private bool PipelineEnded()
        {
            if (stopping != null && (bool)stopping.GetValue(cmdlet, null)) return true;
            return processorStopping != null && (bool)processorStopping.GetValue(processor);
        }

        private void Tick(object state)
        {
            try
            {
                if (!PipelineEnded()) return;
                lock (gate)
                {
                    if (fired || timer == null) return;
                    fired = true;
                    timer.Dispose();
                    timer = null;
                }
                // Cancel first: users not started are reported skipped and the job still
                // writes its reports; then free it (uploads in flight finish in the background).
                try { NativeMethods.up_job_cancel(job); } catch (ObjectDisposedException) { }
                job.Dispose();
            }
            catch (Exception)
            {
                // A timer callback must not throw; the job's finalizer frees it in the end.
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (timer != null) timer.Dispose();
                timer = null;
            }
        }
    }

    internal static class NativeMethods
    {
        // Replaced with the absolute path of the native library before compiling.
        internal const string Library = @"__USERPHOTO_LIBRARY__";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr up_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr up_last_error_message();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr up_status_name(int status);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_targets(out UpBufferHandle outJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_photo_validate(byte[] data, UIntPtr len, byte[] optionsJson, out UpBufferHandle outReport);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_photo_resize(byte[] data, UIntPtr len, byte[] optionsJson, out UpRenditionsHandle outRenditions);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_renditions_count(UpRenditionsHandle renditions, out UIntPtr outCount);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_renditions_report(UpRenditionsHandle renditions, out UpBufferHandle outJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_renditions_data(UpRenditionsHandle renditions, UIntPtr index, out IntPtr outData, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void up_renditions_free(IntPtr renditions);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_buffer_data(UpBufferHandle buffer, out IntPtr outData, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void up_buffer_free(IntPtr buffer);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_client_new(byte[] configJson, out UpClientHandle outClient);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void up_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_photo_upload(UpClientHandle client, byte[] user, byte[] data, UIntPtr len, byte[] optionsJson, out UpBufferHandle outResult);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_photo_download(UpClientHandle client, byte[] user, out UpBufferHandle outPhoto);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_photo_remove(UpClientHandle client, byte[] user);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_start(UpClientHandle client, byte[] optionsJson, out UpJobHandle outJob);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_start_audit(UpClientHandle client, byte[] optionsJson, out UpJobHandle outJob);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_add_bytes(UpJobHandle job, byte[] user, byte[] data, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_add_file(UpJobHandle job, byte[] user, byte[] path);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_close(UpJobHandle job);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_cancel(UpJobHandle job);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_poll(UpJobHandle job, uint timeoutMs, out UpBufferHandle outEvent);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void up_job_free(IntPtr job);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_directory_new(byte[] configJson, out UpDirectoryHandle outDirectory);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void up_directory_free(IntPtr directory);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_directory_upload(UpDirectoryHandle directory, byte[] user, byte[] data, UIntPtr len, byte[] optionsJson, out UpBufferHandle outResult);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_directory_download(UpDirectoryHandle directory, byte[] user, out UpBufferHandle outPhoto);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_directory_remove(UpDirectoryHandle directory, byte[] user, out UpBufferHandle outResult);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_directory_audit(UpDirectoryHandle directory, byte[] optionsJson, out UpBufferHandle outReport);

        // Raw pointers: either handle may be NULL, which a SafeHandle parameter cannot be.
        // Api.StartJobTo keeps both alive across the call.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_job_start_to(IntPtr graph, IntPtr directory, byte[] optionsJson, out UpJobHandle outJob);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UpStatus up_feed_read(byte[] feedJson, out UpBufferHandle outItems);
    }

    // The renditions of one photo, copied out of the native handle.
    public sealed class Renditions
    {
        private readonly string report;
        private readonly byte[][] images;

        public Renditions(string report, byte[][] images)
        {
            this.report = report;
            this.images = images;
        }

        public string Report { get { return report; } }
        public byte[][] Images { get { return images; } }
    }

    // The outcome of Api.Call: the method's value, or the exception it threw.
    public sealed class NativeCall
    {
        private readonly object value;
        private readonly Exception error;

        internal NativeCall(object value, Exception error)
        {
            this.value = value;
            this.error = error;
        }

        public object Value { get { return value; } }
        public Exception Error { get { return error; } }

        // The library's stable name of the failure ("user-not-found"); "unexpected" for an
        // exception that is not the library's.
        public string Reason
        {
            get
            {
                if (error == null) return null;
                UserPhotoException e = error as UserPhotoException;
                return e != null ? e.Reason : "unexpected";
            }
        }
    }

    // What PowerShell calls. Every method throws UserPhotoException on a failed status.
    public static class Api
    {
        // Calls the Api method `name` with `args` and returns its value or the exception it
        // threw, instead of throwing: PowerShell records an exception thrown by a .NET method in
        // the calling command's -ErrorVariable even when a try/catch handles it, so a failure
        // the module reports as one error record would show up twice. The module calls the
        // library through here (Invoke-UserPhotoNative). A wrong name or argument list is a
        // bug, and throws.
        public static NativeCall Call(string name, object[] args)
        {
            object[] plain = args == null ? new object[0] : new object[args.Length];
            for (int i = 0; i < plain.Length; i++) plain[i] = BaseObject(args[i]);
            try
            {
                object value = typeof(Api).InvokeMember(name, BindingFlags.InvokeMethod | BindingFlags.Public | BindingFlags.Static,
                    null, null, plain, CultureInfo.InvariantCulture);
                return new NativeCall(value, null);
            }
            catch (TargetInvocationException e)
            {
                return new NativeCall(null, e.InnerException ?? e);
            }
        }

        // The object a PowerShell PSObject wraps (found by name: this file does not reference
        // System.Management.Automation).
        private static object BaseObject(object o)
        {
            if (o == null || o.GetType().FullName != "System.Management.Automation.PSObject") return o;
            PropertyInfo p = o.GetType().GetProperty("BaseObject");
            return p == null ? o : p.GetValue(o, null);
        }

        // Strings cross as NUL-terminated UTF-8 bytes (Windows PowerShell would marshal a
        // string parameter as ANSI).
        public static byte[] Utf8Z(string s)
        {
            if (s == null) return null;
            byte[] text = Encoding.UTF8.GetBytes(s);
            byte[] z = new byte[text.Length + 1];
            Buffer.BlockCopy(text, 0, z, 0, text.Length);
            return z;
        }

        // .NET Framework has no Marshal.PtrToStringUTF8.
        public static string FromUtf8Z(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            byte[] bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }

        public static string Version() { return FromUtf8Z(NativeMethods.up_version()); }

        public static string LastError() { return FromUtf8Z(NativeMethods.up_last_error_message()); }

        public static string StatusName(int status) { return FromUtf8Z(NativeMethods.up_status_name(status)); }

        // Throws for any status but Ok, with the message of this thread's last failed call.
        public static void Check(UpStatus status)
        {
            if (status == UpStatus.Ok) return;
            string message = LastError();
            throw new UserPhotoException(status, StatusName((int)status), message);
        }

        // Copies a buffer's bytes and frees it, whatever happens.
        public static byte[] TakeBytes(UpBufferHandle buffer)
        {
            try
            {
                IntPtr data;
                UIntPtr len;
                Check(NativeMethods.up_buffer_data(buffer, out data, out len));
                byte[] bytes = new byte[(int)len.ToUInt64()];
                if (bytes.Length > 0) Marshal.Copy(data, bytes, 0, bytes.Length);
                return bytes;
            }
            finally
            {
                buffer.Dispose();
            }
        }

        public static string TakeString(UpBufferHandle buffer)
        {
            return Encoding.UTF8.GetString(TakeBytes(buffer));
        }

        private static UIntPtr Len(byte[] data)
        {
            return new UIntPtr(data == null ? 0u : (uint)data.Length);
        }

        public static string Targets()
        {
            UpBufferHandle json;
            Check(NativeMethods.up_targets(out json));
            return TakeString(json);
        }

        public static string Validate(byte[] photo, string optionsJson)
        {
            UpBufferHandle report;
            Check(NativeMethods.up_photo_validate(photo, Len(photo), Utf8Z(optionsJson), out report));
            return TakeString(report);
        }

        public static UpRenditionsHandle ResizeHandle(byte[] photo, string optionsJson)
        {
            UpRenditionsHandle r;
            Check(NativeMethods.up_photo_resize(photo, Len(photo), Utf8Z(optionsJson), out r));
            return r;
        }

        public static int RenditionCount(UpRenditionsHandle renditions)
        {
            UIntPtr n;
            Check(NativeMethods.up_renditions_count(renditions, out n));
            return (int)n.ToUInt64();
        }

        public static string RenditionReport(UpRenditionsHandle renditions)
        {
            UpBufferHandle json;
            Check(NativeMethods.up_renditions_report(renditions, out json));
            return TakeString(json);
        }

        public static byte[] RenditionData(UpRenditionsHandle renditions, int index)
        {
            IntPtr data;
            UIntPtr len;
            Check(NativeMethods.up_renditions_data(renditions, new UIntPtr((uint)index), out data, out len));
            byte[] bytes = new byte[(int)len.ToUInt64()];
            if (bytes.Length > 0) Marshal.Copy(data, bytes, 0, bytes.Length);
            return bytes;
        }

        // Renders and copies every rendition; the native handle is freed before returning.
        public static Renditions Resize(byte[] photo, string optionsJson)
        {
            UpRenditionsHandle r = ResizeHandle(photo, optionsJson);
            try
            {
                int n = RenditionCount(r);
                byte[][] images = new byte[n][];
                for (int i = 0; i < n; i++) images[i] = RenditionData(r, i);
                return new Renditions(RenditionReport(r), images);
            }
            finally
            {
                r.Dispose();
            }
        }

        public static UpClientHandle NewClient(string connectionJson)
        {
            UpClientHandle client;
            Check(NativeMethods.up_client_new(Utf8Z(connectionJson), out client));
            return client;
        }

        public static string Upload(UpClientHandle client, string user, byte[] photo, string optionsJson)
        {
            UpBufferHandle result;
            Check(NativeMethods.up_photo_upload(client, Utf8Z(user), photo, Len(photo), Utf8Z(optionsJson), out result));
            return TakeString(result);
        }

        public static byte[] Download(UpClientHandle client, string user)
        {
            UpBufferHandle photo;
            Check(NativeMethods.up_photo_download(client, Utf8Z(user), out photo));
            return TakeBytes(photo);
        }

        public static void Remove(UpClientHandle client, string user)
        {
            Check(NativeMethods.up_photo_remove(client, Utf8Z(user)));
        }

        public static UpJobHandle StartJob(UpClientHandle client, string optionsJson)
        {
            UpJobHandle job;
            Check(NativeMethods.up_job_start(client, Utf8Z(optionsJson), out job));
            job.Started();
            job.HoldClient(client);
            return job;
        }

        // An audit of the tenant's photos: a job that takes no items; its events (progress,
        // one result per user, finished with the summary) come from Poll.
        public static UpJobHandle StartAudit(UpClientHandle client, string optionsJson)
        {
            UpJobHandle job;
            Check(NativeMethods.up_job_start_audit(client, Utf8Z(optionsJson), out job));
            job.Started();
            job.HoldClient(client);
            return job;
        }

        public static void AddBytes(UpJobHandle job, string user, byte[] photo)
        {
            Check(NativeMethods.up_job_add_bytes(job, Utf8Z(user), photo, Len(photo)));
        }

        public static void AddFile(UpJobHandle job, string user, string path)
        {
            Check(NativeMethods.up_job_add_file(job, Utf8Z(user), Utf8Z(path)));
        }

        public static void CloseJob(UpJobHandle job) { Check(NativeMethods.up_job_close(job)); }

        public static void CancelJob(UpJobHandle job) { Check(NativeMethods.up_job_cancel(job)); }

        public static UpDirectoryHandle NewDirectory(string configJson)
        {
            UpDirectoryHandle directory;
            Check(NativeMethods.up_directory_new(Utf8Z(configJson), out directory));
            return directory;
        }

        // The directory JSON without "password", plus the password as a SecureString. The
        // password is decoded, JSON-escaped and UTF-8 encoded by hand into pinned arrays that
        // are zeroed after the call, so its plain text is never a managed string (which could
        // not be wiped) and the GC never leaves copies of it behind.
        public static UpDirectoryHandle NewDirectory(string configJson, SecureString password)
        {
            if (password == null) throw new ArgumentNullException("password");
            string rest = (configJson ?? "").Trim();
            if (!rest.StartsWith("{", StringComparison.Ordinal)) throw new ArgumentException("the directory JSON must be an object", "configJson");
            rest = rest.Substring(1).TrimStart();
            byte[] head = Encoding.UTF8.GetBytes("{\"password\":\"");
            byte[] tail = Encoding.UTF8.GetBytes(rest.StartsWith("}", StringComparison.Ordinal) ? "\"" + rest : "\"," + rest);
            IntPtr unicode = IntPtr.Zero;
            char[] chars = null;
            byte[] json = null;
            GCHandle charsPin = default(GCHandle);
            GCHandle jsonPin = default(GCHandle);
            try
            {
                int n = password.Length;
                chars = new char[n];
                charsPin = GCHandle.Alloc(chars, GCHandleType.Pinned);
                // At most 6 bytes per UTF-16 unit (\u001f); a surrogate pair takes 4.
                json = new byte[head.Length + 6 * n + tail.Length + 1];
                jsonPin = GCHandle.Alloc(json, GCHandleType.Pinned);
                unicode = Marshal.SecureStringToGlobalAllocUnicode(password);
                Marshal.Copy(unicode, chars, 0, n);
                int at = head.Length;
                Buffer.BlockCopy(head, 0, json, 0, head.Length);
                at = PutJsonString(chars, json, at);
                Buffer.BlockCopy(tail, 0, json, at, tail.Length);
                json[at + tail.Length] = 0;
                UpDirectoryHandle directory;
                Check(NativeMethods.up_directory_new(json, out directory));
                return directory;
            }
            finally
            {
                if (unicode != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(unicode);
                if (chars != null) Array.Clear(chars, 0, chars.Length);
                if (json != null) Array.Clear(json, 0, json.Length);
                if (charsPin.IsAllocated) charsPin.Free();
                if (jsonPin.IsAllocated) jsonPin.Free();
            }
        }

        // The body of a JSON string (escaped, UTF-8) written at json[at]; returns the end.
        private static int PutJsonString(char[] chars, byte[] json, int at)
        {
            for (int i = 0; i < chars.Length; i++)
            {
                int c = chars[i];
                if (c == '"' || c == '\\')
                {
                    json[at++] = (byte)'\\';
                    json[at++] = (byte)c;
                }
                else if (c < 0x20)
                {
                    const string hex = "0123456789abcdef";
                    json[at++] = (byte)'\\'; json[at++] = (byte)'u'; json[at++] = (byte)'0'; json[at++] = (byte)'0';
                    json[at++] = (byte)hex[c >> 4]; json[at++] = (byte)hex[c & 15];
                }
                else if (c < 0x80)
                {
                    json[at++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    json[at++] = (byte)(0xC0 | (c >> 6));
                    json[at++] = (byte)(0x80 | (c & 0x3F));
                }
                else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < chars.Length && chars[i + 1] >= 0xDC00 && chars[i + 1] <= 0xDFFF)
                {
                    int cp = 0x10000 + ((c - 0xD800) << 10) + (chars[++i] - 0xDC00);
                    json[at++] = (byte)(0xF0 | (cp >> 18));
                    json[at++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
                    json[at++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                    json[at++] = (byte)(0x80 | (cp & 0x3F));
                }
                else
                {
                    // A lone surrogate cannot be UTF-8: U+FFFD, as Encoding.UTF8 would write.
                    if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
                    json[at++] = (byte)(0xE0 | (c >> 12));
                    json[at++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    json[at++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return at;
        }

        // Renders the photo to the ad-thumbnail rendition (or, with "raw": true in the options,
        // takes the JPEG as it is), writes thumbnailPhoto and verifies it; the outcome JSON.
        public static string DirectoryUpload(UpDirectoryHandle directory, string user, byte[] photo, string optionsJson)
        {
            UpBufferHandle result;
            Check(NativeMethods.up_directory_upload(directory, Utf8Z(user), photo, Len(photo), Utf8Z(optionsJson), out result));
            return TakeString(result);
        }

        public static byte[] DirectoryDownload(UpDirectoryHandle directory, string user)
        {
            UpBufferHandle photo;
            Check(NativeMethods.up_directory_download(directory, Utf8Z(user), out photo));
            return TakeBytes(photo);
        }

        // The outcome JSON, "status" removed or absent.
        public static string DirectoryRemove(UpDirectoryHandle directory, string user)
        {
            UpBufferHandle result;
            Check(NativeMethods.up_directory_remove(directory, Utf8Z(user), out result));
            return TakeString(result);
        }

        public static string DirectoryAudit(UpDirectoryHandle directory, string optionsJson)
        {
            UpBufferHandle report;
            Check(NativeMethods.up_directory_audit(directory, Utf8Z(optionsJson), out report));
            return TakeString(report);
        }

        // A job to Graph and/or Active Directory; either handle may be null, not both. The job
        // holds both handles, so the caller may dispose its own references at any time.
        public static UpJobHandle StartJobTo(UpClientHandle graph, UpDirectoryHandle directory, string optionsJson)
        {
            bool graphRef = false, directoryRef = false;
            try
            {
                if (graph != null) graph.DangerousAddRef(ref graphRef);
                if (directory != null) directory.DangerousAddRef(ref directoryRef);
                UpJobHandle job;
                Check(NativeMethods.up_job_start_to(
                    graphRef ? graph.DangerousGetHandle() : IntPtr.Zero,
                    directoryRef ? directory.DangerousGetHandle() : IntPtr.Zero,
                    Utf8Z(optionsJson), out job));
                job.Started();
                if (graphRef) job.HoldClient(graph);
                if (directoryRef) job.HoldDirectory(directory);
                return job;
            }
            finally
            {
                if (graphRef) graph.DangerousRelease();
                if (directoryRef) directory.DangerousRelease();
            }
        }

        // The items of a CSV or folder feed, read with the rules of `userphoto sync`:
        // {"csv": path, "user_column": null, "path_column": null} or {"folder": path} in,
        // [{"user": "...", "path": "..."}, ...] out, in feed order.
        public static string ReadFeed(string feedJson)
        {
            UpBufferHandle items;
            Check(NativeMethods.up_feed_read(Utf8Z(feedJson), out items));
            return TakeString(items);
        }

        // Waits up to timeoutMs for the job's next event. Returns false once the job has
        // finished and its last event was returned; eventJson is null when the timeout passed.
        public static bool Poll(UpJobHandle job, uint timeoutMs, out string eventJson)
        {
            eventJson = null;
            UpBufferHandle ev;
            UpStatus status = NativeMethods.up_job_poll(job, timeoutMs, out ev);
            if (status == UpStatus.JobFinished) return false;
            Check(status);
            if (!ev.IsInvalid) eventJson = TakeString(ev);
            return true;
        }
    }
}
