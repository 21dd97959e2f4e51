// Interop harness: compiled by scripts/interop.sh with `mcs -langversion:5` together with the
// PowerShell module's own native/NativeMethods.cs (library path substituted as the .psm1
// does), run with mono against the real library and `userphoto emulate`.
// Usage: mono Harness.exe USERPHOTO_BIN SAMPLES_DIR
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using UserPhoto.Native;

static class Harness
{
    const string Secret = "interop-secret-never-in-messages";
    static int passed, failed;
    static string bin, samples;
    static readonly List<Emulator> emulators = new List<Emulator>();
    static readonly HashSet<UpStatus> seen = new HashSet<UpStatus>();

    static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: Harness.exe USERPHOTO_BIN SAMPLES_DIR");
            return 2;
        }
        bin = args[0];
        samples = args[1];
        try
        {
            Run("version and status names", VersionAndNames);
            Run("validate", Validate);
            Run("resize", Resize);
            Run("photo status codes", PhotoStatuses);
            Run("calling errors", CallingErrors);
            Run("handles", Handles);
            Emulator main = Emulator.Start("{\"apps\":[{\"client_id\":\"app\",\"client_secret\":\"" + Secret + "\"}],\"users\":" + Users(40) + "}");
            Run("upload, export, remove (UTF-8 user)", delegate { UploadExportRemove(main); });
            Run("client errors", delegate { ClientErrors(main); });
            Run("job submit and poll", delegate { Job(main); });
            Run("job cancel from another thread", JobCancel);
            Run("graph status codes", GraphStatuses);
            Run("10,000 calls without memory growth", delegate { Memory(main); });
            Run("every status code seen", EveryStatusSeen);
        }
        finally
        {
            foreach (Emulator e in emulators) e.Dispose();
        }
        Console.WriteLine("interop: {0} passed, {1} failed", passed, failed);
        return failed == 0 ? 0 : 1;
    }

    // ---- checks ----

    static void Run(string name, Action test)
    {
        Console.WriteLine("== " + name);
        try { test(); }
        catch (Exception e) { Fail(name + ": unexpected " + e.GetType().Name + ": " + e.Message); }
    }

    static void Ok(bool cond, string what)
    {
        if (cond) { passed++; Console.WriteLine("  ok   " + what); }
        else Fail(what);
    }

    static void Fail(string what)
    {
        failed++;
        Console.WriteLine("  FAIL " + what);
    }

    // Expects the call to throw UserPhotoException with `status`; returns it.
    static UserPhotoException Throws(UpStatus status, string what, Action call)
    {
        try
        {
            call();
            Fail(what + ": no exception, expected " + status);
        }
        catch (UserPhotoException e)
        {
            seen.Add(e.Status);
            Ok(e.Status == status && e.Code == (int)status && e.Reason == Api.StatusName((int)status) && e.Message.Length > 0,
               what + " -> " + e.Status + " [" + e.Reason + "] " + Short(e.Message));
            return e;
        }
        return null;
    }

    static void Status(UpStatus expected, UpStatus got, string what)
    {
        seen.Add(got);
        Ok(got == expected, what + " -> " + got + (got == UpStatus.Ok ? "" : " " + Short(Api.LastError())));
    }

    static string Short(string s)
    {
        return s.Length > 110 ? s.Substring(0, 110) + "..." : s;
    }

    static string Field(string json, string name)
    {
        Match m = Regex.Match(json, "\"" + name + "\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}\\]]+)");
        if (!m.Success) return null;
        string v = m.Groups[1].Value.Trim();
        return v.StartsWith("\"") ? Regex.Unescape(v.Substring(1, v.Length - 2)) : v;
    }

    // ---- inputs ----

    static byte[] Sample(string name) { return File.ReadAllBytes(Path.Combine(samples, name)); }

    static string Users(int n)
    {
        StringBuilder b = new StringBuilder("[{\"id\":\"zoe\",\"userPrincipalName\":\"zoë@contoso.com\"}");
        for (int i = 0; i < n; i++) b.AppendFormat(",{{\"id\":\"id-{0}\",\"userPrincipalName\":\"user{0}@contoso.com\"}}", i);
        return b.Append("]").ToString();
    }

    static string Connection(string url, string secret, string extra)
    {
        return "{\"tenant\":\"contoso.onmicrosoft.com\",\"client_id\":\"app\",\"credential\":{\"type\":\"secret\",\"secret\":\"" + secret
            + "\"},\"authority\":\"" + url + "\",\"graph_endpoint\":\"" + url + "\",\"retry\":{\"base_delay_ms\":20,\"max_delay_ms\":200"
            + (extra ?? "") + "}}";
    }

    static uint[] crcTable;

    static uint Crc32(byte[] b, int off, int len)
    {
        if (crcTable == null)
        {
            crcTable = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                crcTable[n] = c;
            }
        }
        uint crc = 0xFFFFFFFFu;
        for (int i = off; i < off + len; i++) crc = crcTable[(crc ^ b[i]) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    static void Be32(List<byte> b, uint v)
    {
        b.Add((byte)(v >> 24)); b.Add((byte)(v >> 16)); b.Add((byte)(v >> 8)); b.Add((byte)v);
    }

    static void PngChunk(List<byte> png, string type, byte[] data)
    {
        List<byte> body = new List<byte>(Encoding.ASCII.GetBytes(type));
        body.AddRange(data);
        Be32(png, (uint)data.Length);
        png.AddRange(body);
        byte[] a = body.ToArray();
        Be32(png, Crc32(a, 0, a.Length));
    }

    // A PNG whose IHDR says w x h (RGB, 8 bit) and whose IDAT is `idat`.
    static byte[] Png(uint w, uint h, byte[] idat)
    {
        List<byte> png = new List<byte>(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        List<byte> ihdr = new List<byte>();
        Be32(ihdr, w); Be32(ihdr, h);
        ihdr.AddRange(new byte[] { 8, 2, 0, 0, 0 });
        PngChunk(png, "IHDR", ihdr.ToArray());
        PngChunk(png, "IDAT", idat);
        PngChunk(png, "IEND", new byte[0]);
        return png.ToArray();
    }

    // Two 64 x 64 frames, LZW-coded with a clear code every two pixels so codes stay 3 bits.
    static byte[] AnimatedGif()
    {
        List<byte> g = new List<byte>(Encoding.ASCII.GetBytes("GIF89a"));
        g.AddRange(new byte[] { 64, 0, 64, 0, 0x81, 0, 0 });                  // screen, 4-colour table
        g.AddRange(new byte[] { 200, 30, 30, 30, 30, 200, 0, 0, 0, 255, 255, 255 });
        g.AddRange(new byte[] { 0x21, 0xFF, 11 });
        g.AddRange(Encoding.ASCII.GetBytes("NETSCAPE2.0"));
        g.AddRange(new byte[] { 3, 1, 0, 0, 0 });
        for (int frame = 0; frame < 2; frame++)
        {
            g.AddRange(new byte[] { 0x21, 0xF9, 4, 0, 10, 0, 0, 0 });         // 100 ms delay
            g.AddRange(new byte[] { 0x2C, 0, 0, 0, 0, 64, 0, 64, 0, 0, 2 });  // image, min code size 2
            List<byte> data = new List<byte>();
            int acc = 0, bits = 0;
            Action<int> put = delegate (int code)
            {
                acc |= code << bits; bits += 3;
                while (bits >= 8) { data.Add((byte)acc); acc >>= 8; bits -= 8; }
            };
            for (int i = 0; i < 64 * 64; i++)
            {
                if (i % 2 == 0) put(4);
                put(frame);
            }
            put(5);
            if (bits > 0) data.Add((byte)acc);
            for (int i = 0; i < data.Count; i += 255)
            {
                int n = Math.Min(255, data.Count - i);
                g.Add((byte)n);
                g.AddRange(data.GetRange(i, n));
            }
            g.Add(0);
        }
        g.Add(0x3B);
        return g.ToArray();
    }

    // ---- tests ----

    static void VersionAndNames()
    {
        Ok(Regex.IsMatch(Api.Version(), @"^\d+\.\d+\.\d+"), "up_version = " + Api.Version());
        Ok(Api.StatusName(0) == "ok" && Api.StatusName(202) == "user-not-found" && Api.StatusName(108) == "corrupt",
           "up_status_name: ok, user-not-found, corrupt");
        Ok(Api.StatusName(-5) == "unknown" && Api.StatusName(99999) == "unknown", "up_status_name of unknown values = unknown");
        bool named = true;
        foreach (UpStatus s in Enum.GetValues(typeof(UpStatus)))
        {
            string n = Api.StatusName((int)s);
            // Every C# enum member has a name in the library, and names match (InvalidUtf8 = invalid-utf8).
            if (n == "unknown" || n.Replace("-", "") != s.ToString().ToLowerInvariant()) { named = false; Fail("status name of " + s + " = " + n); }
        }
        Ok(named, "every UpStatus member has the library's name");
        Ok(Api.Targets().Contains("\"graph\""), "up_targets lists graph");
    }

    static void Validate()
    {
        string report = Api.Validate(Sample("Portrait_0.jpg"), null);
        Ok(Field(report, "format") == "jpeg" && report.Contains("\"verdict\""), "validate a JPEG: " + Field(report, "verdict"));
        report = Api.Validate(Sample("Portrait_0.jpg"), "{\"targets\":[\"ad-thumbnail\"]}");
        Ok(Field(report, "target") == "ad-thumbnail", "validate for ad-thumbnail only");
        report = Api.Validate(Sample("Portrait_0.jpg"), "{\"limits\":{\"min_short_side\":100000}}");
        Ok(Field(report, "verdict") == "unusable" && Field(report, "error") == "too-small", "too small for a target is a report, not a failure");
    }

    static void Resize()
    {
        Renditions r = Api.Resize(Sample("Landscape_6.jpg"), "{\"targets\":[\"graph\",\"ad-thumbnail\",{\"size\":200,\"max_bytes\":30000}]}");
        Ok(r.Images.Length == 3, "three renditions");
        Ok(r.Images[0].Length > 0 && r.Images[0][0] == 0xFF && r.Images[0][1] == 0xD8, "graph rendition is a JPEG (" + r.Images[0].Length + " bytes)");
        Ok(r.Images[1].Length <= 10240, "ad-thumbnail within 10 KB (" + r.Images[1].Length + " bytes)");
        Ok(r.Report.Contains("\"width\":648") && r.Report.Contains("\"width\":96") && r.Report.Contains("\"width\":200"), "report: 648, 96, 200");
        string check = Api.Validate(r.Images[0], "{\"targets\":[\"graph\"]}");
        Ok(Field(check, "verdict") == "fits", "the graph rendition fits Graph");

        using (UpRenditionsHandle h = Api.ResizeHandle(Sample("Portrait_3.jpg"), "{\"targets\":[\"graph\"]}"))
        {
            Ok(Api.RenditionCount(h) == 1, "renditions count 1");
            Throws(UpStatus.IndexOutOfRange, "rendition index 1 of 1", delegate { Api.RenditionData(h, 1); });
        }
    }

    static void PhotoStatuses()
    {
        byte[] jpeg = Sample("Portrait_0.jpg");
        byte[] half = new byte[jpeg.Length / 2];
        Array.Copy(jpeg, half, half.Length);
        Throws(UpStatus.EmptyInput, "empty photo", delegate { Api.Validate(new byte[0], null); });
        Throws(UpStatus.EmptyInput, "null photo (len 0)", delegate { Api.Validate(null, null); });
        Throws(UpStatus.InputTooLarge, "photo over max_input_bytes", delegate { Api.Validate(jpeg, "{\"limits\":{\"max_input_bytes\":1000}}"); });
        Throws(UpStatus.UnsupportedFormat, "text named .jpg", delegate { Api.Resize(Encoding.ASCII.GetBytes("Employee photo not available.\n"), null); });
        Throws(UpStatus.DimensionsTooLarge, "PNG header bomb 100000 x 100000", delegate { Api.Validate(Png(100000, 100000, new byte[] { 0x78, 0x9C, 0, 0, 0, 0 }), null); });
        Throws(UpStatus.TooManyPixels, "PNG header bomb 16000 x 16000", delegate { Api.Validate(Png(16000, 16000, new byte[] { 0x78, 0x9C, 0, 0, 0, 0 }), null); });
        Throws(UpStatus.TooSmall, "resize below min_short_side", delegate { Api.Resize(jpeg, "{\"targets\":[\"graph\"],\"limits\":{\"min_short_side\":100000}}"); });
        byte[] gif = AnimatedGif();
        Throws(UpStatus.Animated, "animated GIF", delegate { Api.Resize(gif, "{\"targets\":[\"graph\"]}"); });
        Ok(Api.Resize(gif, "{\"targets\":[\"ad-thumbnail\"],\"allow_animated\":true}").Images.Length == 1, "animated GIF with allow_animated");
        Throws(UpStatus.Truncated, "half a JPEG", delegate { Api.Resize(half, null); });
        byte[] badDeflate = new byte[52];
        badDeflate[0] = 0x78; badDeflate[1] = 0x9C;
        for (int i = 2; i < badDeflate.Length; i++) badDeflate[i] = 0xFF;
        Throws(UpStatus.Corrupt, "PNG with a broken deflate stream", delegate { Api.Resize(Png(64, 64, badDeflate), "{\"targets\":[\"graph\"]}"); });
        // Budgets start at 1024 bytes and a 16 px JPEG fits them, so budget-unreachable is out of reach.
        Throws(UpStatus.InvalidOptions, "a budget under the 1024-byte minimum", delegate { Api.Resize(jpeg, "{\"targets\":[{\"size\":200,\"max_bytes\":100}]}"); });
    }

    static void CallingErrors()
    {
        byte[] jpeg = Sample("Portrait_0.jpg");
        Throws(UpStatus.InvalidJson, "options \"{\"", delegate { Api.Validate(jpeg, "{"); });
        Throws(UpStatus.InvalidOptions, "unknown option", delegate { Api.Validate(jpeg, "{\"bogus\":1}"); });
        Throws(UpStatus.InvalidOptions, "unknown target", delegate { Api.Resize(jpeg, "{\"targets\":[\"myspace\"]}"); });
        UpBufferHandle report;
        Status(UpStatus.InvalidUtf8, NativeMethods.up_photo_validate(jpeg, new UIntPtr((uint)jpeg.Length), new byte[] { 0x7B, 0xC3, 0x28, 0x7D, 0 }, out report), "options that are not UTF-8");
        Ok(report.IsInvalid, "out-parameter NULL after a failure");
        Status(UpStatus.NullArgument, NativeMethods.up_photo_validate(null, new UIntPtr(5), null, out report), "NULL data with len 5");
        UpClientHandle client;
        Status(UpStatus.NullArgument, NativeMethods.up_client_new(null, out client), "up_client_new(NULL)");
        Ok(Api.LastError().Length > 0, "last error after a failure: " + Short(Api.LastError()));
        Api.Version();
        Api.Targets();
        Ok(Api.LastError() == "", "last error is empty after a success");
        string utf8 = "zoë-€-名前";
        Throws(UpStatus.InvalidOptions, "UTF-8 in an error message", delegate { Api.Resize(jpeg, "{\"targets\":[\"" + utf8 + "\"]}"); });
        try { Api.Resize(jpeg, "{\"targets\":[\"" + utf8 + "\"]}"); }
        catch (UserPhotoException e) { Ok(e.NativeMessage.Contains(utf8), "message decodes UTF-8: " + Short(e.NativeMessage)); }
    }

    static void Handles()
    {
        byte[] jpeg = Sample("Portrait_0.jpg");
        UpRenditionsHandle r = Api.ResizeHandle(jpeg, "{\"targets\":[\"ad-thumbnail\"]}");
        IntPtr raw = r.DangerousGetHandle();
        r.Dispose();
        r.Dispose();
        Ok(r.IsClosed, "renditions disposed twice safely");
        try { Api.RenditionCount(r); Fail("use of a disposed SafeHandle"); }
        catch (ObjectDisposedException) { Ok(true, "use of a disposed SafeHandle -> ObjectDisposedException"); }
        using (UpRenditionsHandle stale = new UpRenditionsHandle(raw, false))
            Throws(UpStatus.InvalidHandle, "freed renditions pointer", delegate { Api.RenditionCount(stale); });

        UpBufferHandle targets;
        Api.Check(NativeMethods.up_targets(out targets));
        IntPtr buf = targets.DangerousGetHandle();
        using (UpRenditionsHandle wrong = new UpRenditionsHandle(buf, false))
            Throws(UpStatus.InvalidHandle, "buffer passed as renditions", delegate { Api.RenditionCount(wrong); });
        Ok(Api.TakeString(targets).Length > 0 && targets.IsClosed, "TakeString frees the buffer");
    }

    static void UploadExportRemove(Emulator emu)
    {
        using (UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null)))
        {
            string user = "zoë@contoso.com";
            string result = Api.Upload(c, user, Sample("Portrait_3.jpg"), null);
            Ok(Field(result, "user") == user && Field(result, "width") == "648", "upload to " + user + ": " + result);
            byte[] photo = Api.Download(c, user);
            Ok(photo.Length.ToString() == Field(result, "bytes"), "export returns the uploaded " + photo.Length + " bytes");
            Ok(Field(Api.Validate(photo, "{\"targets\":[\"graph\"]}"), "width") == "648", "exported photo is 648 px");
            Api.Remove(c, user);
            Ok(true, "remove");
            Throws(UpStatus.NoPhoto, "export after remove", delegate { Api.Download(c, user); });
            UserPhotoException e = Throws(UpStatus.UserNotFound, "upload to an unknown UTF-8 user", delegate { Api.Upload(c, "zoë.ghost@contoso.com", Sample("Portrait_3.jpg"), null); });
            Ok(e != null && e.Message.Contains("zoë.ghost@contoso.com"), "the message names the user in UTF-8");
            Throws(UpStatus.UserNotFound, "remove for an unknown user", delegate { Api.Remove(c, "nobody@contoso.com"); });
            Throws(UpStatus.EmptyInput, "upload of an empty photo", delegate { Api.Upload(c, user, new byte[0], null); });
        }
    }

    static void ClientErrors(Emulator emu)
    {
        Throws(UpStatus.InvalidJson, "connection \"{\"", delegate { Api.NewClient("{"); });
        Throws(UpStatus.InvalidOptions, "connection with tenant 1", delegate { Api.NewClient("{\"tenant\": 1}"); });
        UserPhotoException e = Throws(UpStatus.Config, "plain http to a non-loopback host", delegate
        {
            Api.NewClient("{\"tenant\":\"t\",\"client_id\":\"a\",\"credential\":{\"type\":\"secret\",\"secret\":\"" + Secret + "\"},\"graph_endpoint\":\"http://graph.contoso.com\"}");
        });
        Ok(e != null && !e.Message.Contains(Secret), "the secret is not in the message");
        using (UpClientHandle c = Api.NewClient(Connection(emu.Url, "not-the-secret", null)))
        {
            e = Throws(UpStatus.Auth, "wrong client secret", delegate { Api.Upload(c, "user0@contoso.com", Sample("Portrait_0.jpg"), null); });
            Ok(e != null && !e.Message.Contains("not-the-secret"), "the wrong secret is not in the message");
        }
        using (UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null)))
        {
            Throws(UpStatus.Journal, "job with a journal in a missing folder", delegate { Api.StartJob(c, "{\"journal\":\"/nonexistent/dir/j.sqlite\"}").Dispose(); });
            Throws(UpStatus.InvalidOptions, "job with an unknown option", delegate { Api.StartJob(c, "{\"bogus\":true}").Dispose(); });
        }
    }

    // Polls until the job finishes; returns the result events.
    static List<string> Drain(UpJobHandle job, out string finished)
    {
        List<string> results = new List<string>();
        finished = null;
        string ev;
        Stopwatch sw = Stopwatch.StartNew();
        while (Api.Poll(job, 200, out ev))
        {
            if (sw.Elapsed.TotalSeconds > 120) throw new TimeoutException("job did not finish");
            if (ev == null) continue;
            string kind = Field(ev, "event");
            if (kind == "result") results.Add(ev);
            else if (kind == "finished") finished = ev;
        }
        return results;
    }

    static void Job(Emulator emu)
    {
        UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null));
        UpJobHandle job = Api.StartJob(c, "{\"workers\":4}");
        // The job holds the client: disposing ours now must not free it under the job.
        c.Dispose();
        byte[] photo = Sample("Landscape_6.jpg");
        string file = Path.Combine(samples, "Portrait_0.jpg");
        for (int i = 0; i < 12; i++)
        {
            if (i % 2 == 0) Api.AddBytes(job, "user" + i + "@contoso.com", photo);
            else Api.AddFile(job, "user" + i + "@contoso.com", file);
        }
        Api.AddBytes(job, "zoë@contoso.com", photo);
        Api.AddBytes(job, "ghost@contoso.com", photo);
        Api.AddFile(job, "user12@contoso.com", "/nonexistent/photo.jpg");
        Api.AddBytes(job, "user13@contoso.com", Encoding.ASCII.GetBytes("not a photo"));
        Api.CloseJob(job);
        Throws(UpStatus.InvalidOptions, "add after close", delegate { Api.AddBytes(job, "late@contoso.com", photo); });
        string finished;
        List<string> results = Drain(job, out finished);
        Ok(results.Count == 16, "one result per user (" + results.Count + ")");
        int uploaded = 0;
        Dictionary<string, string> codes = new Dictionary<string, string>();
        foreach (string r in results)
        {
            if (Field(r, "status") == "uploaded") uploaded++;
            else codes[Field(r, "user")] = Field(r, "error_code");
        }
        Ok(uploaded == 13, "13 uploaded (12 + zoë)");
        Ok(codes.ContainsKey("ghost@contoso.com") && codes["ghost@contoso.com"] == "user-not-found", "ghost: user-not-found");
        Ok(codes.ContainsKey("user12@contoso.com") && codes["user12@contoso.com"] == "io", "missing file: io");
        // No C ABI call returns io or cancelled: they reach callers as job result codes.
        if (codes.ContainsValue("io")) seen.Add(UpStatus.Io);
        Ok(codes.ContainsKey("user13@contoso.com") && codes["user13@contoso.com"] == "unsupported-format", "not a photo: unsupported-format");
        Ok(finished != null && Field(finished, "uploaded") == "13" && Field(finished, "failed") == "3", "finished event: " + finished);
        Ok(!string.Join("", results.ToArray()).Contains(Secret), "no secret in events");
        string ev;
        Ok(!Api.Poll(job, 0, out ev), "poll after the end -> finished");
        UpBufferHandle raw;
        Status(UpStatus.JobFinished, NativeMethods.up_job_poll(job, 0, out raw), "up_job_poll after finished");
        IntPtr stale = job.DangerousGetHandle();
        job.Dispose();
        job.Dispose();
        Ok(job.IsClosed, "job disposed twice safely (and its client with it)");
        using (UpJobHandle j = new UpJobHandle(stale, false))
            Throws(UpStatus.InvalidHandle, "freed job pointer", delegate { Api.CloseJob(j); });

        using (UpClientHandle c2 = Api.NewClient(Connection(emu.Url, Secret, null)))
        using (UpJobHandle j2 = Api.StartJob(c2, null))
        {
            using (UpClientHandle asClient = new UpClientHandle(j2.DangerousGetHandle(), false))
                Throws(UpStatus.InvalidHandle, "job passed as client", delegate { Api.Remove(asClient, "user0@contoso.com"); });
            using (UpJobHandle asJob = new UpJobHandle(c2.DangerousGetHandle(), false))
                Throws(UpStatus.InvalidHandle, "client passed as job", delegate { Api.CloseJob(asJob); });
            Status(UpStatus.NullArgument, NativeMethods.up_job_add_bytes(j2, null, photo, new UIntPtr((uint)photo.Length)), "add with a NULL user");
            Status(UpStatus.InvalidUtf8, NativeMethods.up_job_add_bytes(j2, new byte[] { 0xFF, 0xFE, 0 }, photo, new UIntPtr((uint)photo.Length)), "add with a user that is not UTF-8");
        }
    }

    static void JobCancel()
    {
        using (Emulator slow = Emulator.Start("{\"apps\":[{\"client_id\":\"app\",\"client_secret\":\"" + Secret + "\"}],\"users\":" + Users(30)
            + ",\"faults\":{\"seed\":1,\"p_slow\":1.0,\"slow_ms\":150}}"))
        using (UpClientHandle c = Api.NewClient(Connection(slow.Url, Secret, null)))
        using (UpJobHandle job = Api.StartJob(c, "{\"workers\":2}"))
        {
            byte[] photo = Sample("Portrait_0.jpg");
            for (int i = 0; i < 30; i++) Api.AddBytes(job, "user" + i + "@contoso.com", photo);
            Api.CloseJob(job);
            // What a Ctrl+C handler does: cancel from another thread while this one polls.
            Thread t = new Thread(delegate () { Thread.Sleep(300); Api.CancelJob(job); });
            t.Start();
            string finished;
            List<string> results = Drain(job, out finished);
            t.Join();
            int cancelled = 0;
            foreach (string r in results) if (Field(r, "error_code") == "cancelled") cancelled++;
            Ok(results.Count == 30, "cancelled job still reports every user (" + results.Count + ")");
            Ok(cancelled > 0 && cancelled < 30, cancelled + " reported as cancelled");
            Ok(finished != null && Field(finished, "cancelled") == "true", "finished event says cancelled: " + finished);
            if (cancelled > 0) seen.Add(UpStatus.Cancelled);
        }
    }

    static void GraphStatuses()
    {
        string app = "{\"apps\":[{\"client_id\":\"app\",\"client_secret\":\"" + Secret + "\"}],\"users\":" + Users(1);
        byte[] photo = Sample("Portrait_0.jpg");
        Action<string, string, UpStatus, string, bool> expect = delegate (string emuExtra, string retry, UpStatus status, string what, bool remove)
        {
            using (Emulator e = Emulator.Start(app + emuExtra + "}"))
            using (UpClientHandle c = Api.NewClient(Connection(e.Url, Secret, retry)))
            {
                if (remove) Throws(status, what, delegate { Api.Remove(c, "user0@contoso.com"); });
                else Throws(status, what, delegate { Api.Upload(c, "user0@contoso.com", photo, null); });
            }
        };
        expect(",\"photo_source\":\"onPremises\"", null, UpStatus.PolicyBlocked, "upload when photos come from on-premises AD", false);
        expect(",\"photo_source\":\"onPremises\"", null, UpStatus.Forbidden, "remove when photos come from on-premises AD", true);
        expect(",\"max_photo_bytes\":2000", null, UpStatus.TooLarge, "photo over the service's size limit (413)", false);
        expect(",\"faults\":{\"seed\":3,\"p_429\":1.0}", ",\"max_attempts\":2,\"max_total_wait_ms\":1000", UpStatus.Throttled, "429 on every attempt", false);
        expect(",\"faults\":{\"seed\":3,\"p_503\":1.0}", ",\"max_attempts\":2", UpStatus.Graph, "503 on every attempt", false);
        expect(",\"faults\":{\"seed\":3,\"p_drop\":1.0}", ",\"max_attempts\":2", UpStatus.Network, "dropped connection on every attempt", false);
    }

    static long RssKb()
    {
        foreach (string line in File.ReadAllLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(Regex.Match(line, @"\d+").Value);
        return -1;
    }

    // One round of calls through every kind of handle and both paths (success and failure).
    static void Round(int i, byte[] small, UpClientHandle client)
    {
        Api.Version();
        Api.StatusName(i % 300);
        Api.Validate(small, null);
        try { Api.Validate(new byte[0], null); } catch (UserPhotoException) { }
        using (UpRenditionsHandle r = Api.ResizeHandle(small, "{\"targets\":[{\"size\":48,\"max_bytes\":20000,\"quality\":60}]}"))
            Api.RenditionData(r, 0);
        using (UpClientHandle c = Api.NewClient("{\"tenant\":\"t\",\"client_id\":\"a\",\"credential\":{\"type\":\"access_token\",\"token\":\"x\"}}")) { }
        if (i % 100 == 0) Api.Targets();
        if (i % 500 == 0)
        {
            // A few round trips to the emulator as well: upload, download, remove.
            Api.Upload(client, "user1@contoso.com", small, null);
            Api.Download(client, "user1@contoso.com");
            Api.Remove(client, "user1@contoso.com");
        }
    }

    static void Memory(Emulator emu)
    {
        byte[] small = Api.Resize(Sample("Portrait_0.jpg"), "{\"targets\":[{\"size\":64,\"max_bytes\":20000}]}").Images[0];
        using (UpClientHandle client = Api.NewClient(Connection(emu.Url, Secret, null)))
        {
            for (int i = 0; i < 1000; i++) Round(i, small, client);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = RssKb();
            Stopwatch sw = Stopwatch.StartNew();
            for (int i = 0; i < 10000; i++) Round(i, small, client);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long after = RssKb();
            long growth = after - before;
            Console.WriteLine("  rss: before {0} KB, after {1} KB, growth {2} KB over 10,000 rounds ({3} native calls each) in {4:F1} s",
                before, after, growth, 14, sw.Elapsed.TotalSeconds);
            Ok(growth < 8 * 1024, "RSS growth under 8 MB over 10,000 rounds (" + growth + " KB)");
        }
    }

    static void EveryStatusSeen()
    {
        // Not provocable from outside: a panic, a failing JPEG encoder, an unreachable budget
        // (budgets start at 1024 bytes, which a 16 px JPEG meets), and Graph rejecting an image
        // the library rendered itself.
        UpStatus[] unreachable = { UpStatus.Ok, UpStatus.Panic, UpStatus.EncodeFailed, UpStatus.BudgetUnreachable, UpStatus.ImageRejected };
        List<string> missing = new List<string>();
        foreach (UpStatus s in Enum.GetValues(typeof(UpStatus)))
            if (!seen.Contains(s) && Array.IndexOf(unreachable, s) < 0) missing.Add(s.ToString());
        Ok(missing.Count == 0, "every reachable status provoked" + (missing.Count > 0 ? "; missing: " + string.Join(", ", missing.ToArray()) : ""));
        Console.WriteLine("  not provocable here: Panic, EncodeFailed, BudgetUnreachable, ImageRejected; Io and Cancelled seen as job result codes");
    }

    // `userphoto emulate` on an ephemeral loopback port.
    sealed class Emulator : IDisposable
    {
        Process process;
        string config;
        public string Url;

        public static Emulator Start(string configJson)
        {
            Emulator e = new Emulator();
            e.config = Path.GetTempFileName();
            File.WriteAllText(e.config, configJson, new UTF8Encoding(false));
            ProcessStartInfo psi = new ProcessStartInfo(bin, "emulate --port 0 --config \"" + e.config + "\"");
            psi.UseShellExecute = false;
            psi.RedirectStandardOutput = true;
            e.process = Process.Start(psi);
            emulators.Add(e);
            string line = e.process.StandardOutput.ReadLine() ?? "";
            Match m = Regex.Match(line, @"http://127\.0\.0\.1:\d+");
            if (!m.Success) throw new Exception("the emulator did not start: " + line);
            e.Url = m.Value;
            return e;
        }

        public void Dispose()
        {
            if (process == null) return;
            try { if (!process.HasExited) process.Kill(); process.WaitForExit(5000); } catch (InvalidOperationException) { }
            process.Dispose();
            process = null;
            File.Delete(config);
        }
    }
}
