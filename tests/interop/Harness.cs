// Interop harness: compiled by scripts/test-powershell.sh with `mcs -langversion:5` together with the
// PowerShell module's own native/NativeMethods.cs (library path substituted as the .psm1
// does), run with mono against the real library, `userphoto emulate` and (for the Active
// Directory cases) the Samba AD DC that scripts/test-powershell.sh starts and describes in the
// environment: USERPHOTO_LDAP_URL, _CA, _OTHER_CA, _BIND, _PASSWORD, _BASE,
// USERPHOTO_INTEROP_OU (the test users' OU) and USERPHOTO_INTEROP_LIMITED_PASSWORD_HEX
// (the password of ip-limited, which may not write other users' thumbnailPhoto).
// USERPHOTO_INTEROP_PFX, _PFX_3DES, _PFX_CERT and _PFX_PASSWORD: an app certificate and key
// that scripts/test-powershell.sh made with openssl (a .pfx with OpenSSL's AES defaults, the same
// with 3DES as .NET Framework writes it, their password, the certificate as PEM for the
// emulator's app registration).
// USERPHOTO_INTEROP_AD=skip skips those cases. Every line printed is checked for the
// passwords and secrets in play; one found is redacted and fails the run.
// Usage: mono Harness.exe USERPHOTO_BIN SAMPLES_DIR
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security;
using System.Security.Cryptography.X509Certificates;
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
    const string WrongPassword = "Wr0ng-Interop-Pw-Never-Printed-4417";
    // The password Connect-UserPhoto -CertificateThumbprint would make up for its in-memory .pfx.
    const string ReexportPassword = "Pfx-Reexport-Pw-Never-Printed-8830";
    static Ad ad;
    static RedactingWriter output;

    static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: Harness.exe USERPHOTO_BIN SAMPLES_DIR");
            return 2;
        }
        bin = args[0];
        samples = args[1];
        ad = Ad.FromEnvironment();
        List<string> secrets = new List<string> { Secret, WrongPassword, ReexportPassword, Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_PFX_PASSWORD") };
        if (ad != null) { secrets.Add(ad.Password); secrets.Add(ad.LimitedPassword); }
        output = new RedactingWriter(Console.Out, secrets);
        Console.SetOut(output);
        Console.SetError(new RedactingWriter(Console.Error, secrets, output));
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
            Run("feed read (up_feed_read)", FeedRead);
            Run("job reports (report_csv, report_json, report_error)", delegate { JobReports(main); });
            Run("certificate credential from a .pfx (pfx_base64, as Connect-UserPhoto -CertificateThumbprint)", PfxConnection);
            Run("graph status codes", GraphStatuses);
            if (ad != null)
            {
                Run("directory: handles and configuration", DirectoryHandles);
                Run("directory: upload, export, unchanged, raw, remove", DirectoryUploadExportRemove);
                Run("directory: password from a SecureString", DirectorySecureString);
                Run("directory: status codes", DirectoryStatuses);
                Run("directory: audit and fix", DirectoryAudit);
                Run("directory: job to AD only (up_job_start_to with a NULL client)", DirectoryJob);
                Run("directory: job to Graph and AD", DirectoryAndGraphJob);
            }
            else
            {
                Console.WriteLine("== directory cases SKIPPED (no Samba AD DC; see scripts/test-powershell.sh)");
            }
            Run("10,000 calls without memory growth", delegate { Memory(main); });
            Run("every status code seen", EveryStatusSeen);
        }
        finally
        {
            foreach (Emulator e in emulators) e.Dispose();
        }
        Ok(output.Leaks == 0, "no password or secret in any line printed (" + output.Leaks + " redacted)");
        Console.WriteLine("interop: {0} passed, {1} failed", passed, failed);
        output.Flush();
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
        // Portrait_0 shows a person from behind: no face, refused when asked.
        Throws(UpStatus.CheckRefused, "refuse no-face", delegate { Api.Resize(jpeg, "{\"targets\":[\"ad-thumbnail\"],\"refuse\":[\"no-face\"]}"); });
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
        // Cancelled reaches callers only as a job result code (io also from up_feed_read).
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

    static string Scratch(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "interop-" + name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    static List<object> Feed(string specJson)
    {
        return JArr(ParseJson(Api.ReadFeed(specJson)));
    }

    static string Pairs(List<object> items)
    {
        List<string> parts = new List<string>();
        foreach (object o in items)
        {
            Dictionary<string, object> d = JObj(o);
            parts.Add(JStr(d, "user") + "=" + JStr(d, "path"));
        }
        return string.Join(" ", parts.ToArray());
    }

    static void FeedRead()
    {
        string dir = Scratch("feed");
        try
        {
            string csv = Path.Combine(dir, "hr.csv");
            // Custom columns, a relative and an absolute path, a blank row, a UTF-8 user.
            File.WriteAllText(csv, "EmployeeEmail,Dept,PictureFile\nzoë@contoso.com,Sales,photos/zoe.jpg\n,,\nbob@contoso.com,IT,/srv/photos/bob.png\n",
                new UTF8Encoding(false));
            List<object> items = Feed("{\"csv\":" + Js(csv) + ",\"user_column\":\"EmployeeEmail\",\"path_column\":\"PictureFile\"}");
            string want = "zoë@contoso.com=" + Path.Combine(dir, "photos/zoe.jpg") + " bob@contoso.com=/srv/photos/bob.png";
            Ok(Pairs(items) == want, "csv with custom columns, in feed order, blank row skipped, relative path resolved: " + Pairs(items));

            // Default columns, matched without regard to case, with a BOM.
            string defaults = Path.Combine(dir, "defaults.csv");
            File.WriteAllText(defaults, "upn,fullname\nalice@contoso.com,alice.jpg\n", new UTF8Encoding(true));
            items = Feed("{\"csv\":" + Js(defaults) + ",\"user_column\":null,\"path_column\":null}");
            Ok(Pairs(items) == "alice@contoso.com=" + Path.Combine(dir, "alice.jpg"), "csv with default columns (UPN, FullName; any case; BOM): " + Pairs(items));

            UserPhotoException e = Throws(UpStatus.InvalidOptions, "csv without a user column", delegate { Api.ReadFeed("{\"csv\":" + Js(csv) + "}"); });
            Ok(e != null && e.Message.Contains("UserPrincipalName") && e.Message.Contains("Mail"), "the message names the columns looked for");
            e = Throws(UpStatus.InvalidOptions, "csv without the named path column", delegate
            {
                Api.ReadFeed("{\"csv\":" + Js(csv) + ",\"user_column\":\"EmployeeEmail\",\"path_column\":\"Portrait\"}");
            });
            Ok(e != null && e.Message.Contains("Portrait"), "the message names the missing column");

            string folder = Path.Combine(dir, "photos");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "megan@contoso.com.png"), new byte[] { 1 });
            File.WriteAllBytes(Path.Combine(folder, "adele@contoso.com.jpg"), new byte[] { 1 });
            File.WriteAllText(Path.Combine(folder, "readme.txt"), "not a photo");
            Directory.CreateDirectory(Path.Combine(folder, "old.jpg"));
            items = Feed("{\"folder\":" + Js(folder) + "}");
            Ok(Pairs(items) == "adele@contoso.com=" + Path.Combine(folder, "adele@contoso.com.jpg") + " megan@contoso.com=" + Path.Combine(folder, "megan@contoso.com.png"),
               "folder: photo files only, user from the file name, sorted: " + Pairs(items));
            File.WriteAllText(Path.Combine(dir, "empty.csv"), "UserPrincipalName,Path\n");
            Ok(Feed("{\"csv\":" + Js(Path.Combine(dir, "empty.csv")) + "}").Count == 0, "csv with a header only: no items");

            Throws(UpStatus.InvalidOptions, "feed with both csv and folder", delegate { Api.ReadFeed("{\"csv\":\"a.csv\",\"folder\":\"b\"}"); });
            Throws(UpStatus.InvalidOptions, "feed with neither", delegate { Api.ReadFeed("{}"); });
            Throws(UpStatus.InvalidOptions, "folder feed with a user_column", delegate { Api.ReadFeed("{\"folder\":" + Js(folder) + ",\"user_column\":\"X\"}"); });
            Throws(UpStatus.InvalidOptions, "feed with an unknown field", delegate { Api.ReadFeed("{\"csv\":" + Js(csv) + ",\"bogus\":1}"); });
            Throws(UpStatus.InvalidJson, "feed \"{\"", delegate { Api.ReadFeed("{"); });
            e = Throws(UpStatus.Io, "missing csv file", delegate { Api.ReadFeed("{\"csv\":\"/nonexistent/feed.csv\"}"); });
            Ok(e != null && e.Message.Contains("/nonexistent/feed.csv"), "the message names the file");
            Throws(UpStatus.Io, "missing folder", delegate { Api.ReadFeed("{\"folder\":\"/nonexistent/photos\"}"); });
            UpBufferHandle raw;
            Status(UpStatus.NullArgument, NativeMethods.up_feed_read(null, out raw), "up_feed_read(NULL)");
            Ok(raw.IsInvalid, "out_items NULL after a failure");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Splits a CSV line written by the csv crate (quotes only where needed).
    static List<string> CsvFields(string line)
    {
        List<string> f = new List<string>();
        StringBuilder b = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { b.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else b.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { f.Add(b.ToString()); b.Length = 0; }
            else b.Append(c);
        }
        f.Add(b.ToString());
        return f;
    }

    static void JobReports(Emulator emu)
    {
        string dir = Scratch("reports");
        try
        {
            string csv = Path.Combine(dir, "report.csv"), json = Path.Combine(dir, "report.json");
            string finished;
            using (UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null)))
            {
                using (UpJobHandle job = Api.StartJob(c, "{\"workers\":2,\"report_csv\":" + Js(csv) + ",\"report_json\":" + Js(json) + "}"))
                {
                    Api.AddFile(job, "user20@contoso.com", Path.Combine(samples, "Portrait_0.jpg"));
                    Api.AddBytes(job, "user21@contoso.com", Sample("Landscape_6.jpg"));
                    Api.AddBytes(job, "ghost@contoso.com", Sample("Landscape_6.jpg"));
                    Api.CloseJob(job);
                    Ok(!File.Exists(csv), "no report before the job finishes");
                    List<string> results = Drain(job, out finished);
                    Ok(results.Count == 3, "three results");
                }
                Ok(finished != null && Field(finished, "report_error") == null, "finished without report_error: " + finished);
                string[] lines = File.Exists(csv) ? File.ReadAllLines(csv) : new string[0];
                Ok(lines.Length == 4 && lines[0] == "user,destination,status,bytes,width,height,quality,attempts,error_code,error,source,crop,checks",
                   "report_csv: the CLI's header and one row per result (" + lines.Length + " lines)");
                Dictionary<string, List<string>> rows = new Dictionary<string, List<string>>();
                for (int i = 1; i < lines.Length; i++) { List<string> f = CsvFields(lines[i]); rows[f[0]] = f; }
                Ok(rows.ContainsKey("user20@contoso.com") && rows["user20@contoso.com"][1] == "graph" && rows["user20@contoso.com"][2] == "uploaded"
                   && rows["user20@contoso.com"][4] == "648" && rows["user20@contoso.com"][10].EndsWith("Portrait_0.jpg"),
                   "report_csv: user20 graph uploaded 648 px from Portrait_0.jpg");
                Ok(rows.ContainsKey("ghost@contoso.com") && rows["ghost@contoso.com"][2] == "failed" && rows["ghost@contoso.com"][8] == "user-not-found",
                   "report_csv: ghost failed user-not-found");
                Dictionary<string, object> doc = File.Exists(json) ? JObj(ParseJson(File.ReadAllText(json))) : null;
                Dictionary<string, object> summary = doc == null ? null : JObj(doc["summary"]);
                Ok(summary != null && JNum(summary, "total") == 3 && JNum(summary, "uploaded") == 2 && JNum(summary, "failed") == 1
                   && JArr(doc["results"]).Count == 3, "report_json: summary (3 total, 2 uploaded, 1 failed) and 3 results");
                Ok(!File.Exists(csv + ".partial") && !File.ReadAllText(csv).Contains(Secret) && !File.ReadAllText(json).Contains(Secret),
                   "reports written through a temporary file, without the secret");

                // A report that cannot be written: the run still ends, the other report is written.
                string bad = "/nonexistent/dir/report.csv", json2 = Path.Combine(dir, "second.json");
                using (UpJobHandle job = Api.StartJob(c, "{\"report_csv\":" + Js(bad) + ",\"report_json\":" + Js(json2) + "}"))
                {
                    Api.AddBytes(job, "user22@contoso.com", Sample("Portrait_3.jpg"));
                    Api.CloseJob(job);
                    List<string> results = Drain(job, out finished);
                    Ok(results.Count == 1 && Field(results[0], "status") == "uploaded", "the upload succeeds");
                }
                string reportError = finished == null ? null : Field(finished, "report_error");
                Ok(reportError != null && reportError.Contains(bad), "finished event carries report_error naming the file: " + reportError);
                Ok(File.Exists(json2), "the report that could be written was written");

                // A cancelled job still writes its reports once polled to its end.
                string csv3 = Path.Combine(dir, "cancelled.csv");
                using (UpJobHandle job = Api.StartJob(c, "{\"workers\":1,\"report_csv\":" + Js(csv3) + "}"))
                {
                    for (int i = 23; i < 33; i++) Api.AddBytes(job, "user" + i + "@contoso.com", Sample("Portrait_0.jpg"));
                    Api.CancelJob(job);
                    Drain(job, out finished);
                }
                lines = File.Exists(csv3) ? File.ReadAllLines(csv3) : new string[0];
                int cancelled = 0;
                for (int i = 1; i < lines.Length; i++) if (CsvFields(lines[i])[8] == "cancelled") cancelled++;
                Ok(lines.Length == 11 && cancelled > 0, "a cancelled job's report lists every user (" + cancelled + " cancelled)");
            }
            Throws(UpStatus.InvalidOptions, "report_csv that is not a string", delegate
            {
                using (UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null))) Api.StartJob(c, "{\"report_csv\":5}").Dispose();
            });
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static void PfxConnection()
    {
        string pfxPath = Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_PFX");
        string certPath = Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_PFX_CERT");
        string password = Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_PFX_PASSWORD");
        if (string.IsNullOrEmpty(pfxPath) || string.IsNullOrEmpty(password))
        {
            Fail("USERPHOTO_INTEROP_PFX is not set: run through scripts/test-powershell.sh, which makes the certificate");
            return;
        }
        byte[] pfx = File.ReadAllBytes(pfxPath);
        string cfg = "{\"apps\":[{\"client_id\":\"cert-app\",\"certificate_pem\":" + Js(File.ReadAllText(certPath)) + "}],\"users\":" + Users(3) + "}";
        Func<string, string, string, string> connection = delegate (string url, string b64, string pw)
        {
            return "{\"tenant\":\"contoso.onmicrosoft.com\",\"client_id\":\"cert-app\",\"credential\":{\"type\":\"certificate\",\"pfx_base64\":" + Js(b64)
                + ",\"pfx_password\":" + Js(pw) + "},\"authority\":\"" + url + "\",\"graph_endpoint\":\"" + url + "\"}";
        };
        using (Emulator emu = Emulator.Start(cfg))
        {
            using (UpClientHandle c = Api.NewClient(connection(emu.Url, Convert.ToBase64String(pfx), password)))
            {
                string r = Api.Upload(c, "user0@contoso.com", Sample("Portrait_0.jpg"), null);
                Ok(Field(r, "width") == "648", "upload with the openssl .pfx in pfx_base64: " + r);
            }
            byte[] pfx3des = File.ReadAllBytes(Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_PFX_3DES"));
            using (UpClientHandle c = Api.NewClient(connection(emu.Url, Convert.ToBase64String(pfx3des), password)))
            {
                string r = Api.Upload(c, "user2@contoso.com", Sample("Portrait_0.jpg"), null);
                Ok(Field(r, "width") == "648", "upload with a 3DES/SHA-1 .pfx (.NET Framework's format): " + r);
            }
            // What the module does with a certificate-store entry: load it with an exportable
            // key and export it again as a .pfx under a one-time password (Mono's PKCS#12
            // writer here, which reads only the 3DES form; .NET's on Windows).
            string reexported = null;
            try
            {
                X509Certificate2 cert = new X509Certificate2(pfx3des, password, X509KeyStorageFlags.Exportable);
                Ok(cert.HasPrivateKey, "X509Certificate2 loads the .pfx with its key");
                reexported = Convert.ToBase64String(cert.Export(X509ContentType.Pfx, ReexportPassword));
            }
            catch (Exception ex)
            {
                Fail("X509Certificate2 re-export: " + ex.GetType().Name + ": " + ex.Message);
            }
            if (reexported != null)
            {
                using (UpClientHandle c = Api.NewClient(connection(emu.Url, reexported, ReexportPassword)))
                {
                    string r = Api.Upload(c, "user1@contoso.com", Sample("Portrait_3.jpg"), null);
                    Ok(Field(r, "width") == "648", "upload with the X509Certificate2.Export(Pfx) bytes: " + r);
                }
            }
            UserPhotoException e = Throws(UpStatus.Config, "a .pfx with the wrong password", delegate
            {
                Api.NewClient(connection(emu.Url, Convert.ToBase64String(pfx), WrongPassword)).Dispose();
            });
            Ok(e != null && !e.Message.Contains(WrongPassword) && !e.Message.Contains(password) && !e.Message.Contains(Convert.ToBase64String(pfx).Substring(0, 40)),
               "neither password nor the .pfx bytes in the message");
            Throws(UpStatus.Config, "pfx_base64 that is not base64", delegate { Api.NewClient(connection(emu.Url, "not base64!", password)).Dispose(); });
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
    static void Round(int i, byte[] small, UpClientHandle client, UpDirectoryHandle directory)
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
        if (directory == null) return;
        // A directory handle made and freed (no network), and now and then an LDAP round trip.
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, "x", null, null))) { }
        if (i % 500 == 250)
        {
            Api.DirectoryUpload(directory, "ip-bob@corp.example", small, null);
            Api.DirectoryDownload(directory, "ip-bob@corp.example");
            Api.DirectoryRemove(directory, "ip-bob@corp.example");
        }
    }

    static void Memory(Emulator emu)
    {
        byte[] small = Api.Resize(Sample("Portrait_0.jpg"), "{\"targets\":[{\"size\":64,\"max_bytes\":20000}]}").Images[0];
        using (UpClientHandle client = Api.NewClient(Connection(emu.Url, Secret, null)))
        using (UpDirectoryHandle directory = ad == null ? null : Api.NewDirectory(ad.Config()))
        {
            for (int i = 0; i < 1000; i++) Round(i, small, client, directory);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = RssKb();
            Stopwatch sw = Stopwatch.StartNew();
            for (int i = 0; i < 10000; i++) Round(i, small, client, directory);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long after = RssKb();
            long growth = after - before;
            Console.WriteLine("  rss: before {0} KB, after {1} KB, growth {2} KB over 10,000 rounds ({3} native calls each) in {4:F1} s",
                before, after, growth, directory == null ? 14 : 16, sw.Elapsed.TotalSeconds);
            Ok(growth < 8 * 1024, "RSS growth under 8 MB over 10,000 rounds (" + growth + " KB)");
        }
    }

    static void EveryStatusSeen()
    {
        // Not provocable from outside: a panic, a failing JPEG encoder, an unreachable budget
        // (budgets start at 1024 bytes, which a 16 px JPEG meets), and Graph rejecting an image
        // the library rendered itself.
        // Nor, from Active Directory: a schema constraint (the library refuses values over
        // the schema's 102,400-byte limit before writing) or a read-back that differs.
        List<UpStatus> unreachable = new List<UpStatus> { UpStatus.Ok, UpStatus.Panic, UpStatus.EncodeFailed, UpStatus.BudgetUnreachable,
            UpStatus.ImageRejected, UpStatus.ConstraintViolation, UpStatus.VerifyMismatch };
        if (ad == null)
        {
            unreachable.AddRange(new UpStatus[] { UpStatus.InvalidCredentials, UpStatus.AmbiguousUser, UpStatus.ThumbnailTooLarge,
                UpStatus.DirectoryUnavailable, UpStatus.DirectoryTls, UpStatus.Ldap });
            Console.WriteLine("  directory cases skipped: the Active Directory statuses are not checked");
        }
        List<string> missing = new List<string>();
        foreach (UpStatus s in Enum.GetValues(typeof(UpStatus)))
            if (!seen.Contains(s) && !unreachable.Contains(s)) missing.Add(s.ToString());
        Ok(missing.Count == 0, "every reachable status provoked" + (missing.Count > 0 ? "; missing: " + string.Join(", ", missing.ToArray()) : ""));
        Console.WriteLine("  not provocable here: Panic, EncodeFailed, BudgetUnreachable, ImageRejected, ConstraintViolation, VerifyMismatch; Cancelled seen as a job result code");
    }

    // ---- Active Directory (a real Samba AD DC) ----

    // The DC and test users scripts/test-powershell.sh provides.
    sealed class Ad
    {
        public string Url, Ca, OtherCa, Bind, Password, Base, Ou, LimitedPassword;

        public static Ad FromEnvironment()
        {
            if (Environment.GetEnvironmentVariable("USERPHOTO_INTEROP_AD") == "skip") return null;
            Ad a = new Ad();
            a.Url = Env("USERPHOTO_LDAP_URL");
            if (a.Url == null)
            {
                Console.WriteLine("interop: USERPHOTO_LDAP_URL is not set: run through scripts/test-powershell.sh, which starts the DC");
                return null;
            }
            a.Ca = Env("USERPHOTO_LDAP_CA");
            a.OtherCa = Env("USERPHOTO_LDAP_OTHER_CA");
            a.Bind = Env("USERPHOTO_LDAP_BIND");
            a.Password = Env("USERPHOTO_LDAP_PASSWORD");
            a.Base = Env("USERPHOTO_LDAP_BASE");
            a.Ou = Env("USERPHOTO_INTEROP_OU");
            a.LimitedPassword = Encoding.UTF8.GetString(FromHex(Env("USERPHOTO_INTEROP_LIMITED_PASSWORD_HEX")));
            return a;
        }

        static string Env(string name)
        {
            string v = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(v) ? null : v;
        }

        static byte[] FromHex(string hex)
        {
            byte[] b = new byte[hex.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber);
            return b;
        }

        // The directory JSON: the administrator, the test CA, the test users' OU.
        public string Config() { return Config(Bind, Password, Ca, null); }

        // password null: no "password" field (for NewDirectory with a SecureString).
        public string Config(string bindUser, string password, string caFile, string extra)
        {
            StringBuilder b = new StringBuilder("{\"url\":").Append(Js(Url)).Append(",\"bind_user\":").Append(Js(bindUser));
            if (password != null) b.Append(",\"password\":").Append(Js(password));
            if (caFile != null) b.Append(",\"ca_file\":").Append(Js(caFile));
            b.Append(",\"search_base\":").Append(Js(Ou)).Append(",\"connect_timeout_secs\":5,\"timeout_secs\":10");
            return b.Append(extra ?? "").Append("}").ToString();
        }
    }

    static string Js(string s)
    {
        StringBuilder b = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c < 0x20) b.AppendFormat("\\u{0:x4}", (int)c);
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    static SecureString Secure(string s)
    {
        SecureString ss = new SecureString();
        foreach (char c in s) ss.AppendChar(c);
        ss.MakeReadOnly();
        return ss;
    }

    static bool Same(byte[] a, byte[] b)
    {
        if (a == null || b == null || a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    // The ad-thumbnail rendition the library writes for `photo` at the default 10 KB budget.
    static byte[] Thumbnail(byte[] photo)
    {
        return Api.Resize(photo, "{\"targets\":[\"ad-thumbnail\"]}").Images[0];
    }

    static void DirectoryHandles()
    {
        Throws(UpStatus.InvalidJson, "directory JSON \"{\"", delegate { Api.NewDirectory("{").Dispose(); });
        Throws(UpStatus.InvalidOptions, "directory JSON without a password", delegate { Api.NewDirectory("{\"url\":\"ldaps://127.0.0.1\",\"bind_user\":\"a\"}").Dispose(); });
        Throws(UpStatus.InvalidOptions, "directory JSON with an unknown field", delegate { Api.NewDirectory(ad.Config(ad.Bind, WrongPassword, null, ",\"bogus\":1")).Dispose(); });
        UserPhotoException e = Throws(UpStatus.Config, "an http:// directory url", delegate
        {
            Api.NewDirectory("{\"url\":\"http://127.0.0.1\",\"bind_user\":\"a\",\"password\":\"" + WrongPassword + "\"}").Dispose();
        });
        Ok(e != null && !e.Message.Contains(WrongPassword), "the password is not in the message");
        Throws(UpStatus.Config, "plain LDAP to a host that is not loopback", delegate
        {
            Api.NewDirectory("{\"url\":\"ldap://dc1.corp.example\",\"bind_user\":\"a\",\"password\":\"p\",\"plain_ldap\":true}").Dispose();
        });
        Throws(UpStatus.ThumbnailTooLarge, "max_bytes over the 102,400-byte schema limit", delegate { Api.NewDirectory(ad.Config(ad.Bind, "p", null, ",\"max_bytes\":200000")).Dispose(); });
        Throws(UpStatus.InvalidOptions, "max_bytes under 1024", delegate { Api.NewDirectory(ad.Config(ad.Bind, "p", null, ",\"max_bytes\":100")).Dispose(); });
        UpDirectoryHandle d;
        Status(UpStatus.NullArgument, NativeMethods.up_directory_new(null, out d), "up_directory_new(NULL)");
        Ok(d.IsInvalid, "out-parameter NULL after a failure");
        NativeMethods.up_directory_free(IntPtr.Zero);
        Ok(true, "up_directory_free(NULL) is a no-op");

        UpDirectoryHandle h = Api.NewDirectory(ad.Config());
        IntPtr raw = h.DangerousGetHandle();
        h.Dispose();
        h.Dispose();
        Ok(h.IsClosed, "directory disposed twice safely");
        using (UpDirectoryHandle stale = new UpDirectoryHandle(raw, false))
            Throws(UpStatus.InvalidHandle, "freed directory pointer", delegate { Api.DirectoryDownload(stale, "ip-alice@corp.example"); });
        using (UpClientHandle c = Api.NewClient("{\"tenant\":\"t\",\"client_id\":\"a\",\"credential\":{\"type\":\"access_token\",\"token\":\"x\"}}"))
        using (UpDirectoryHandle asDirectory = new UpDirectoryHandle(c.DangerousGetHandle(), false))
            Throws(UpStatus.InvalidHandle, "client passed as directory", delegate { Api.DirectoryAudit(asDirectory, null); });
        using (UpDirectoryHandle dir = Api.NewDirectory(ad.Config()))
        {
            using (UpClientHandle asClient = new UpClientHandle(dir.DangerousGetHandle(), false))
                Throws(UpStatus.InvalidHandle, "directory passed as client", delegate { Api.Download(asClient, "ip-alice@corp.example"); });
            UpBufferHandle outBuf;
            Status(UpStatus.NullArgument, NativeMethods.up_directory_download(dir, null, out outBuf), "download with a NULL user");
            Status(UpStatus.InvalidUtf8, NativeMethods.up_directory_remove(dir, new byte[] { 0xFF, 0xFE, 0 }, out outBuf), "remove with a user that is not UTF-8");
            Throws(UpStatus.InvalidOptions, "upload with \"raw\": 1", delegate { Api.DirectoryUpload(dir, "ip-alice@corp.example", Sample("Portrait_0.jpg"), "{\"raw\":1}"); });
            Throws(UpStatus.InvalidOptions, "audit with an unknown option", delegate { Api.DirectoryAudit(dir, "{\"bogus\":true}"); });
            UpJobHandle job;
            Status(UpStatus.NullArgument, NativeMethods.up_job_start_to(IntPtr.Zero, IntPtr.Zero, null, out job), "up_job_start_to with neither destination");
        }
    }

    static void DirectoryUploadExportRemove()
    {
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config()))
        {
            string user = "ip-alice@corp.example";
            byte[] photo = Sample("Portrait_3.jpg");
            try { Api.DirectoryRemove(d, user); } catch (UserPhotoException) { }
            Dictionary<string, object> r = JObj(Api.DirectoryUpload(d, user, photo, null));
            Dictionary<string, object> rendition = JObj(r["rendition"]);
            Ok(JStr(r, "status") == "written" && JStr(r, "dn") == "CN=ip-alice," + ad.Ou && JBool(r, "verified"),
               "upload: written and verified, dn " + JStr(r, "dn"));
            Ok(JNum(rendition, "width") == 96 && JNum(rendition, "height") == 96 && JNum(r, "bytes") <= 10240 && JStr(rendition, "target") == "ad-thumbnail",
               "rendition 96 x 96, " + JNum(r, "bytes") + " bytes <= 10240");
            byte[] stored = Api.DirectoryDownload(d, user);
            Ok(stored.Length == JNum(r, "bytes") && Same(stored, Thumbnail(photo)), "download returns exactly the ad-thumbnail rendition (" + stored.Length + " bytes)");
            r = JObj(Api.DirectoryUpload(d, user, photo, null));
            Ok(JStr(r, "status") == "unchanged" && JNum(r, "previous_bytes") == stored.Length, "the same photo again: unchanged");
            Ok(Same(Api.DirectoryDownload(d, "CORP\\ip-alice"), stored), "download by DOMAIN\\sAMAccountName");
            Ok(Same(Api.DirectoryDownload(d, "CN=ip-alice," + ad.Ou), stored), "download by DN");

            // Raw: bytes written as they are (a 40 KB JPEG is over the 10 KB rendition budget).
            byte[] big = Api.Resize(Sample("Landscape_6.jpg"), "{\"targets\":[{\"size\":400,\"max_bytes\":60000}]}").Images[0];
            r = JObj(Api.DirectoryUpload(d, user, big, "{\"raw\":true}"));
            Ok(JStr(r, "status") == "written" && r["rendition"] == null && JNum(r, "previous_bytes") == stored.Length,
               "raw upload of a " + big.Length + "-byte JPEG: written, no rendition");
            Ok(Same(Api.DirectoryDownload(d, user), big), "download returns the raw bytes");
            Throws(UpStatus.UnsupportedFormat, "raw upload of a GIF", delegate { Api.DirectoryUpload(d, user, AnimatedGif(), "{\"raw\":true}"); });
            Throws(UpStatus.ThumbnailTooLarge, "raw upload over 102,400 bytes", delegate { Api.DirectoryUpload(d, user, photo, "{\"raw\":true}"); });
            Throws(UpStatus.EmptyInput, "upload of an empty photo", delegate { Api.DirectoryUpload(d, user, new byte[0], null); });

            r = JObj(Api.DirectoryRemove(d, user));
            Ok(JStr(r, "status") == "removed" && JNum(r, "previous_bytes") == big.Length, "remove: removed");
            r = JObj(Api.DirectoryRemove(d, user));
            Ok(JStr(r, "status") == "absent", "remove again: absent");
            Throws(UpStatus.NoPhoto, "download after remove", delegate { Api.DirectoryDownload(d, user); });
            UpBufferHandle none;
            Status(UpStatus.Ok, NativeMethods.up_directory_remove(d, Api.Utf8Z(user), out none), "remove through the raw import");
            if (!none.IsInvalid) none.Dispose();

            // A UTF-8 user name, found by UPN and by sAMAccountName.
            string zoe = "zoë.ad@corp.example";
            r = JObj(Api.DirectoryUpload(d, zoe, Sample("Portrait_0.jpg"), "{\"crop\":\"none\"}"));
            Ok(JStr(r, "user") == zoe && JStr(r, "dn") == "CN=zoë.ad," + ad.Ou, "upload to a UTF-8 user: " + JStr(r, "dn"));
            Ok(Api.DirectoryDownload(d, "zoë.ad").Length == JNum(r, "bytes"), "download by the UTF-8 sAMAccountName");
            Ok(JStr(JObj(Api.DirectoryRemove(d, zoe)), "status") == "removed", "remove the UTF-8 user's photo");
        }
    }

    static void DirectorySecureString()
    {
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, null, ad.Ca, null), Secure(ad.Password)))
        {
            Ok(JStr(JObj(Api.DirectoryUpload(d, "ip-carol@corp.example", Sample("Portrait_0.jpg"), null)), "status") == "written",
               "bind with the password from a SecureString");
        }
        // ip-limited's password has a quote, a backslash and a non-ASCII letter: JSON escaping
        // and UTF-8 done by hand in NativeMethods.cs, checked by the DC accepting the bind.
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config("ip-limited@corp.example", null, ad.Ca, null), Secure(ad.LimitedPassword)))
        {
            byte[] own = Api.DirectoryDownload(d, "ip-carol@corp.example");
            Ok(own.Length > 0, "a password with \\\", \\\\ and \u00e4 from a SecureString binds (read " + own.Length + " bytes)");
            Throws(UpStatus.Forbidden, "an account without Write on thumbnailPhoto", delegate { Api.DirectoryUpload(d, "ip-carol@corp.example", Sample("Portrait_3.jpg"), null); });
        }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config("ip-limited@corp.example", ad.LimitedPassword, ad.Ca, null)))
            Ok(Api.DirectoryDownload(d, "ip-carol@corp.example").Length > 0, "the same password in plain JSON binds");
        // An empty password would make the simple bind anonymous.
        Throws(UpStatus.Config, "an empty SecureString password", delegate { Api.NewDirectory(ad.Config(ad.Bind, null, ad.Ca, null), Secure("")).Dispose(); });
        Throws(UpStatus.InvalidOptions, "a SecureString password and a \"password\" field", delegate
        {
            Api.NewDirectory(ad.Config(ad.Bind, WrongPassword, ad.Ca, null), Secure(ad.Password)).Dispose();
        });
        try { Api.NewDirectory("[]", Secure("x")).Dispose(); Fail("NewDirectory(\"[]\", password) did not throw"); }
        catch (ArgumentException) { Ok(true, "NewDirectory with JSON that is not an object -> ArgumentException"); }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config())) Api.DirectoryRemove(d, "ip-carol@corp.example");
    }

    static void DirectoryStatuses()
    {
        byte[] photo = Sample("Portrait_0.jpg");
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config()))
        {
            UserPhotoException e = Throws(UpStatus.UserNotFound, "an unknown user", delegate { Api.DirectoryUpload(d, "nobody@corp.example", photo, null); });
            Ok(e != null && e.Message.Contains("nobody@corp.example"), "the message names the user");
            Throws(UpStatus.UserNotFound, "export for an unknown user", delegate { Api.DirectoryDownload(d, "nobody@corp.example"); });
            Throws(UpStatus.AmbiguousUser, "a mail address two users share", delegate { Api.DirectoryUpload(d, "shared.mailbox@corp.example", photo, null); });
            Throws(UpStatus.NoPhoto, "export of a user without a thumbnailPhoto", delegate { Api.DirectoryDownload(d, "ip-dave@corp.example"); });
        }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, WrongPassword, ad.Ca, null)))
        {
            UserPhotoException e = Throws(UpStatus.InvalidCredentials, "a wrong password", delegate { Api.DirectoryUpload(d, "ip-bob@corp.example", photo, null); });
            Ok(e != null && !e.Message.Contains(WrongPassword) && !e.Message.Contains(ad.Password), "no password in the message");
        }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, ad.Password, ad.OtherCa, null)))
            Throws(UpStatus.DirectoryTls, "a CA that did not sign the DC's certificate", delegate { Api.DirectoryDownload(d, "ip-bob@corp.example"); });
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, ad.Password, null, null)))
            Throws(UpStatus.DirectoryTls, "no CA: the system store does not know the test CA", delegate { Api.DirectoryDownload(d, "ip-bob@corp.example"); });
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, ad.Password, ad.Ca, null).Replace(Js(ad.Url), Js("ldaps://127.0.0.1:1"))))
            Throws(UpStatus.DirectoryUnavailable, "nothing listening on the port", delegate { Api.DirectoryDownload(d, "ip-bob@corp.example"); });
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, ad.Password, ad.Ca, null).Replace(Js(ad.Url), Js("ldap://127.0.0.1"))))
        {
            Ok(JStr(JObj(Api.DirectoryUpload(d, "ip-bob@corp.example", photo, null)), "status") == "written", "StartTLS (ldap://) upload");
            Ok(JStr(JObj(Api.DirectoryRemove(d, "ip-bob@corp.example")), "status") == "removed", "StartTLS remove");
        }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, ad.Password, ad.Ca, null).Replace(Js(ad.Ou), Js("OU=Nowhere," + ad.Base))))
            Throws(UpStatus.Ldap, "audit under a search base that does not exist", delegate { Api.DirectoryAudit(d, null); });
    }

    // The audit entry of `user` (by UPN), or null.
    static Dictionary<string, object> AuditEntry(Dictionary<string, object> report, string user)
    {
        foreach (object o in JArr(report["entries"]))
        {
            Dictionary<string, object> e = JObj(o);
            if (string.Equals(JStr(e, "user"), user, StringComparison.OrdinalIgnoreCase)) return e;
        }
        return null;
    }

    static bool HasProblem(Dictionary<string, object> entry, string problem)
    {
        if (entry == null) return false;
        foreach (object p in JArr(entry["problems"])) if ((string)p == problem) return true;
        return false;
    }

    static void DirectoryAudit()
    {
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config()))
        {
            // Planted through raw uploads: oversized (a 40 KB JPEG) and not square (200 x 133).
            byte[] oversized = Api.Resize(Sample("Landscape_6.jpg"), "{\"targets\":[{\"size\":400,\"max_bytes\":60000}]}").Images[0];
            byte[] wide = Api.Resize(Sample("Landscape_6.jpg"), "{\"targets\":[{\"size\":200,\"max_bytes\":9000}],\"crop\":\"none\"}").Images[0];
            Api.DirectoryUpload(d, "ip-dave@corp.example", oversized, "{\"raw\":true}");
            Api.DirectoryUpload(d, "ip-erin@corp.example", wide, "{\"raw\":true}");
            Api.DirectoryUpload(d, "ip-alice@corp.example", Sample("Portrait_0.jpg"), null);

            string json = Api.DirectoryAudit(d, null);
            Dictionary<string, object> report = JObj(ParseJson(json));
            Ok(JStr(report, "search_base") == ad.Ou && JNum(report, "max_bytes") == 10240, "audit of " + JStr(report, "search_base"));
            Ok(JNum(report, "scanned") >= 17 && JNum(report, "with_photo") >= 3 && JNum(report, "listed") == JArr(report["entries"]).Count,
               "counts: scanned " + JNum(report, "scanned") + ", with photo " + JNum(report, "with_photo") + ", listed " + JNum(report, "listed"));
            Dictionary<string, object> dave = AuditEntry(report, "ip-dave@corp.example");
            Ok(HasProblem(dave, "oversized") && JNum(dave, "bytes") == oversized.Length && JStr(dave, "format") == "jpeg", "ip-dave: oversized, " + (dave == null ? 0 : JNum(dave, "bytes")) + " bytes");
            Dictionary<string, object> erin = AuditEntry(report, "ip-erin@corp.example");
            Ok(HasProblem(erin, "not-square") && JNum(erin, "width") == 200 && JNum(erin, "height") < 200, "ip-erin: not-square");
            Ok(HasProblem(AuditEntry(report, "ip-job8@corp.example"), "missing"), "ip-job8: missing");
            Ok(AuditEntry(report, "ip-alice@corp.example") == null, "ip-alice (a good thumbnail) is not listed");
            Ok(dave != null && dave["fix"] == null, "no fix without \"fix\"");
            bool wellFormed = true;
            foreach (object o in JArr(report["entries"]))
            {
                Dictionary<string, object> e = JObj(o);
                string dn = JStr(e, "dn");
                if (JStr(e, "user") == null || dn == null || !dn.EndsWith("," + ad.Ou) || JArr(e["problems"]).Count == 0) wellFormed = false;
            }
            Ok(wellFormed, "audit JSON parsed (" + json.Length + " bytes): every entry has a user, a DN under the OU and problems");

            report = JObj(ParseJson(Api.DirectoryAudit(d, "{\"include_missing\":false,\"max_bytes\":50000}")));
            Ok(AuditEntry(report, "ip-dave@corp.example") == null && AuditEntry(report, "ip-job8@corp.example") == null && AuditEntry(report, "ip-erin@corp.example") != null,
               "max_bytes 50000 and include_missing false: only ip-erin");

            report = JObj(ParseJson(Api.DirectoryAudit(d, "{\"include_missing\":false,\"fix\":true}")));
            dave = AuditEntry(report, "ip-dave@corp.example");
            Dictionary<string, object> fix = dave == null ? null : JObj(dave["fix"]);
            Ok(fix != null && JStr(fix, "status") == "written" && JNum(fix, "bytes") <= 10240 && JNum(report, "fixed") >= 2 && JNum(report, "fix_failed") == 0,
               "fix: ip-dave re-encoded to " + (fix == null ? 0 : JNum(fix, "bytes")) + " bytes; fixed " + JNum(report, "fixed"));
            byte[] fixedDave = Api.DirectoryDownload(d, "ip-dave@corp.example");
            Ok(fixedDave.Length <= 10240 && Field(Api.Validate(fixedDave, "{\"targets\":[\"ad-thumbnail\"]}"), "width") == "96", "the fixed thumbnail is a 96 px JPEG");
            report = JObj(ParseJson(Api.DirectoryAudit(d, "{\"include_missing\":false}")));
            Ok(JArr(report["entries"]).Count == 0, "audit after the fix lists nobody");
            foreach (string u in new string[] { "ip-dave@corp.example", "ip-erin@corp.example", "ip-alice@corp.example" }) Api.DirectoryRemove(d, u);
        }
        using (UpDirectoryHandle d = Api.NewDirectory(ad.Config(ad.Bind, WrongPassword, ad.Ca, null)))
            Throws(UpStatus.InvalidCredentials, "audit with a wrong password", delegate { Api.DirectoryAudit(d, null); });
    }

    static void DirectoryJob()
    {
        UpDirectoryHandle d = Api.NewDirectory(ad.Config());
        UpJobHandle job = Api.StartJobTo(null, d, "{\"workers\":3}");
        // The job holds the directory: disposing ours now must not free it under the job.
        d.Dispose();
        byte[] photo = Sample("Landscape_6.jpg");
        string file = Path.Combine(samples, "Portrait_0.jpg");
        for (int i = 1; i <= 6; i++)
        {
            if (i % 2 == 0) Api.AddBytes(job, "ip-job" + i + "@corp.example", photo);
            else Api.AddFile(job, "ip-job" + i + "@corp.example", file);
        }
        Api.AddBytes(job, "ghost@corp.example", photo);
        Api.AddBytes(job, "shared.mailbox@corp.example", photo);
        Api.AddBytes(job, "ip-job7@corp.example", Encoding.ASCII.GetBytes("not a photo"));
        Api.CloseJob(job);
        string finished;
        List<string> results = Drain(job, out finished);
        Ok(results.Count == 9, "one result per user (" + results.Count + ")");
        int uploaded = 0;
        bool allAd = true;
        Dictionary<string, string> codes = new Dictionary<string, string>();
        foreach (string r in results)
        {
            Dictionary<string, object> o = JObj(ParseJson(r));
            if (JStr(o, "destination") != "ad") allAd = false;
            if (JStr(o, "status") == "uploaded") uploaded++;
            else codes[JStr(o, "user")] = JStr(o, "error_code");
        }
        Ok(allAd, "every result has destination ad");
        Ok(uploaded == 6, "6 uploaded");
        Ok(codes.ContainsKey("ghost@corp.example") && codes["ghost@corp.example"] == "user-not-found", "ghost: user-not-found");
        Ok(codes.ContainsKey("shared.mailbox@corp.example") && codes["shared.mailbox@corp.example"] == "ambiguous-user", "shared mail: ambiguous-user");
        Ok(codes.ContainsKey("ip-job7@corp.example") && codes["ip-job7@corp.example"] == "unsupported-format", "not a photo: unsupported-format");
        Ok(finished != null && Field(finished, "uploaded") == "6" && Field(finished, "failed") == "3", "finished event: " + finished);
        job.Dispose();
        Ok(job.IsClosed && d.IsClosed, "job disposed (and the directory with it)");
        using (UpDirectoryHandle check = Api.NewDirectory(ad.Config()))
        {
            Ok(Same(Api.DirectoryDownload(check, "ip-job2@corp.example"), Thumbnail(photo)), "ip-job2 holds the rendition of its photo");
            Ok(Same(Api.DirectoryDownload(check, "ip-job1@corp.example"), Thumbnail(File.ReadAllBytes(file))), "ip-job1 holds the rendition of its file");
        }
    }

    static void DirectoryAndGraphJob()
    {
        StringBuilder users = new StringBuilder("[");
        for (int i = 1; i <= 4; i++) users.AppendFormat("{0}{{\"id\":\"j{1}\",\"userPrincipalName\":\"ip-job{1}@corp.example\"}}", i > 1 ? "," : "", i);
        users.Append("]");
        string journal = Path.Combine(Path.GetTempPath(), "interop-both-" + Guid.NewGuid().ToString("N") + ".sqlite");
        try
        {
            using (Emulator emu = Emulator.Start("{\"apps\":[{\"client_id\":\"app\",\"client_secret\":\"" + Secret + "\"}],\"users\":" + users + "}"))
            using (UpClientHandle c = Api.NewClient(Connection(emu.Url, Secret, null)))
            using (UpDirectoryHandle d = Api.NewDirectory(ad.Config()))
            {
                byte[] photo = Sample("Portrait_3.jpg");
                for (int round = 1; round <= 2; round++)
                {
                    using (UpJobHandle job = Api.StartJobTo(c, d, "{\"workers\":4,\"journal\":" + Js(journal) + "}"))
                    {
                        for (int i = 1; i <= 4; i++) Api.AddBytes(job, "ip-job" + i + "@corp.example", photo);
                        Api.AddBytes(job, "ip-job5@corp.example", photo); // in AD only
                        Api.CloseJob(job);
                        string finished;
                        List<string> results = Drain(job, out finished);
                        int graph = 0, dir = 0, ok = 0;
                        string job5Graph = null, job5Ad = null;
                        foreach (string r in results)
                        {
                            Dictionary<string, object> o = JObj(ParseJson(r));
                            string dest = JStr(o, "destination"), status = JStr(o, "status");
                            if (dest == "graph") graph++;
                            if (dest == "ad") dir++;
                            if (status == (round == 1 ? "uploaded" : "unchanged")) ok++;
                            if (JStr(o, "user") == "ip-job5@corp.example")
                            {
                                if (dest == "graph") job5Graph = JStr(o, "error_code");
                                else job5Ad = status;
                            }
                        }
                        string expect = round == 1 ? "uploaded" : "unchanged";
                        Ok(results.Count == 10 && graph == 5 && dir == 5, "round " + round + ": one result per user and destination (" + graph + " graph, " + dir + " ad)");
                        Ok(ok == 9, "round " + round + ": 9 " + expect);
                        Ok(job5Graph == "user-not-found" && job5Ad == expect, "round " + round + ": ip-job5 user-not-found in Graph, " + job5Ad + " in AD");
                        Ok(finished != null && Field(finished, "total") == "10", "round " + round + " finished: " + finished);
                    }
                }
                Ok(Api.Download(c, "ip-job1@corp.example").Length > 10240, "Graph holds the 648 px rendition");
                // Decoded once for both destinations, so the thumbnail is the one rendered
                // alongside the Graph rendition.
                byte[] both = Api.Resize(photo, "{\"targets\":[\"graph\",\"ad-thumbnail\"]}").Images[1];
                byte[] stored = Api.DirectoryDownload(d, "ip-job1@corp.example");
                Ok(Same(stored, both) || Same(stored, Thumbnail(photo)), "AD holds the 96 px rendition of the same photo (" + stored.Length + " bytes, "
                    + (Same(stored, both) ? "as rendered with the graph one" : "as rendered alone") + ")");
                for (int i = 1; i <= 6; i++) Api.DirectoryRemove(d, "ip-job" + i + "@corp.example");
            }
        }
        finally
        {
            foreach (string f in new string[] { journal, journal + "-wal", journal + "-shm" }) if (File.Exists(f)) File.Delete(f);
        }
    }

    // ---- a small JSON reader (C# 5 on Mono has none built in without extra assemblies) ----

    static object ParseJson(string s)
    {
        int i = 0;
        object v = JValue(s, ref i);
        JWs(s, ref i);
        if (i != s.Length) throw new FormatException("JSON: trailing data at " + i);
        return v;
    }

    static void JWs(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    }

    static void JExpect(string s, ref int i, char c)
    {
        JWs(s, ref i);
        if (i >= s.Length || s[i] != c) throw new FormatException("JSON: expected '" + c + "' at " + i);
        i++;
    }

    static object JValue(string s, ref int i)
    {
        JWs(s, ref i);
        if (i >= s.Length) throw new FormatException("JSON: unexpected end");
        char c = s[i];
        if (c == '{')
        {
            i++;
            Dictionary<string, object> o = new Dictionary<string, object>();
            JWs(s, ref i);
            if (i < s.Length && s[i] == '}') { i++; return o; }
            while (true)
            {
                JWs(s, ref i);
                string key = JString(s, ref i);
                JExpect(s, ref i, ':');
                o[key] = JValue(s, ref i);
                JWs(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                JExpect(s, ref i, '}');
                return o;
            }
        }
        if (c == '[')
        {
            i++;
            List<object> a = new List<object>();
            JWs(s, ref i);
            if (i < s.Length && s[i] == ']') { i++; return a; }
            while (true)
            {
                a.Add(JValue(s, ref i));
                JWs(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                JExpect(s, ref i, ']');
                return a;
            }
        }
        if (c == '"') return JString(s, ref i);
        foreach (string word in new string[] { "true", "false", "null" })
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) == 0)
            {
                i += word.Length;
                return word == "null" ? null : (object)(word == "true");
            }
        }
        int start = i;
        while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
        if (i == start) throw new FormatException("JSON: unexpected '" + c + "' at " + i);
        return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    static string JString(string s, ref int i)
    {
        JExpect(s, ref i, '"');
        StringBuilder b = new StringBuilder();
        while (true)
        {
            if (i >= s.Length) throw new FormatException("JSON: unterminated string");
            char c = s[i++];
            if (c == '"') return b.ToString();
            if (c != '\\') { b.Append(c); continue; }
            char e = s[i++];
            switch (e)
            {
                case 'b': b.Append('\b'); break;
                case 'f': b.Append('\f'); break;
                case 'n': b.Append('\n'); break;
                case 'r': b.Append('\r'); break;
                case 't': b.Append('\t'); break;
                case 'u': b.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber)); i += 4; break;
                default: b.Append(e); break;
            }
        }
    }

    static Dictionary<string, object> JObj(object o)
    {
        if (o is string) o = ParseJson((string)o);
        return o as Dictionary<string, object>;
    }

    static List<object> JArr(object o) { return o as List<object> ?? new List<object>(); }

    static string JStr(Dictionary<string, object> o, string key)
    {
        object v;
        return o != null && o.TryGetValue(key, out v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
    }

    static double JNum(Dictionary<string, object> o, string key)
    {
        object v;
        return o != null && o.TryGetValue(key, out v) && v is double ? (double)v : double.NaN;
    }

    static bool JBool(Dictionary<string, object> o, string key)
    {
        object v;
        return o != null && o.TryGetValue(key, out v) && v is bool && (bool)v;
    }

    // Console output through a line filter: a line with a password or secret in it is
    // printed redacted and counted, which fails the run.
    sealed class RedactingWriter : TextWriter
    {
        readonly TextWriter inner;
        readonly List<string> secrets = new List<string>();
        readonly RedactingWriter counter;
        readonly StringBuilder line = new StringBuilder();
        int leaks;

        public RedactingWriter(TextWriter inner, IEnumerable<string> secrets) : this(inner, secrets, null) { }

        public RedactingWriter(TextWriter inner, IEnumerable<string> secrets, RedactingWriter counter)
        {
            this.inner = inner;
            this.counter = counter;
            foreach (string s in secrets) if (!string.IsNullOrEmpty(s)) this.secrets.Add(s);
        }

        public int Leaks { get { return leaks; } }

        public override Encoding Encoding { get { return inner.Encoding; } }

        public override void Write(char value)
        {
            if (value == '\n') { Emit(); inner.Write('\n'); inner.Flush(); }
            else line.Append(value);
        }

        public override void Flush()
        {
            Emit();
            inner.Flush();
        }

        void Emit()
        {
            string text = line.ToString();
            line.Length = 0;
            foreach (string s in secrets)
            {
                if (text.Contains(s))
                {
                    text = text.Replace(s, "[REDACTED]");
                    if (counter != null) counter.leaks++; else leaks++;
                }
            }
            inner.Write(text);
        }
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
