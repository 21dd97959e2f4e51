using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UserPhoto.ClientTests;

/// <summary>
/// One `userphoto emulate` process with its own configuration file, on an ephemeral port.
/// Disposing it sends SIGTERM (the emulator then removes its CA file, which
/// scripts/test-clients.sh checks) and waits for the exit.
/// </summary>
public sealed class Emulator : IDisposable
{
    public const string Tenant = "contoso.onmicrosoft.com";
    public const string TenantId = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
    public const string SecretApp = "11111111-2222-3333-4444-555555555555";
    public const string CertApp = "22222222-3333-4444-5555-666666666666";
    public const string Secret = "client-secret-from-the-clients-tests";
    public const string IdentityHeader = "identity-header-from-the-clients-tests";
    public const string IdentityClientId = "33333333-4444-5555-6666-777777777777";
    public const string GraphScope = "https://graph.microsoft.com/.default";

    public static readonly (string Id, string Upn)[] Users =
    {
        ("0f6a1c2e-0000-4000-8000-000000000001", "adele.vance@contoso.com"),
        ("0f6a1c2e-0000-4000-8000-000000000002", "o'brien@contoso.com"),
        ("0f6a1c2e-0000-4000-8000-000000000003", "zoë.müller@contoso.com"),
        ("0f6a1c2e-0000-4000-8000-000000000004", "nophoto@contoso.com"),
    };

    private readonly Process _process;
    private readonly DirectoryInfo _dir;
    private readonly StringBuilder _stderr = new();

    public string BaseUrl { get; }
    public X509Certificate2? Ca { get; }
    public string? CaPath { get; }

    private Emulator(Process process, DirectoryInfo dir, string baseUrl, X509Certificate2? ca, string? caPath)
    {
        _process = process;
        _dir = dir;
        BaseUrl = baseUrl;
        Ca = ca;
        CaPath = caPath;
    }

    /// <summary>The emulator configuration every test class starts from.</summary>
    public static JsonObject DefaultConfig(X509Certificate2? appCertificate = null)
    {
        var apps = new JsonArray
        {
            new JsonObject { ["client_id"] = SecretApp, ["client_secret"] = Secret },
        };
        if (appCertificate is not null)
        {
            apps.Add(new JsonObject { ["client_id"] = CertApp, ["certificate_pem"] = appCertificate.ExportCertificatePem() });
        }
        var users = new JsonArray();
        foreach (var (id, upn) in Users)
        {
            users.Add(new JsonObject { ["id"] = id, ["userPrincipalName"] = upn });
        }
        return new JsonObject
        {
            // TenantId is the emulator's default tenant_id, so it is not written here.
            ["tenant"] = Tenant,
            ["apps"] = apps,
            ["users"] = users,
            ["managed_identity"] = new JsonObject { ["identity_header"] = IdentityHeader, ["client_id"] = IdentityClientId },
        };
    }

    /// <summary>The checkout this test project lives in (the directory with Cargo.toml).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cargo.toml")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("No Cargo.toml above " + AppContext.BaseDirectory);
    }

    /// <summary>The userphoto binary: $USERPHOTO_BIN, else target/debug/userphoto of this checkout.</summary>
    public static string Binary()
    {
        var fromEnv = Environment.GetEnvironmentVariable("USERPHOTO_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }
        var bin = Path.Combine(RepositoryRoot(), "target", "debug", "userphoto");
        return File.Exists(bin)
            ? bin
            : throw new InvalidOperationException($"{bin} does not exist: run `cargo build --bin userphoto` (scripts/test-clients.sh does).");
    }

    public static Emulator Start(JsonObject config, bool https)
    {
        var dir = Directory.CreateTempSubdirectory("userphoto-clients-");
        var configPath = Path.Combine(dir.FullName, "emulator.json");
        File.WriteAllText(configPath, config.ToJsonString());
        var psi = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "emulate", "--config", configPath, "--port", "0" })
        {
            psi.ArgumentList.Add(a);
        }
        if (https)
        {
            psi.ArgumentList.Add("--https");
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("userphoto did not start");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginErrorReadLine();

        string? url = null, caPath = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (url is null || (https && caPath is null))
        {
            var read = process.StandardOutput.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !read.Wait(left) || read.Result is null)
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException($"userphoto emulate did not report its address; stderr: {stderr}");
            }
            var line = read.Result;
            const string listening = "emulator listening on ";
            const string written = "CA certificate written to ";
            if (line.StartsWith(listening, StringComparison.Ordinal)) url = line[listening.Length..];
            if (line.StartsWith(written, StringComparison.Ordinal)) caPath = line[written.Length..];
        }
        var ca = caPath is null ? null : X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        return new Emulator(process, dir, url, ca, caPath);
    }

    /// <summary>
    /// The message handler every client here sends through: HTTPS trusts exactly the
    /// emulator's CA (the chain and the host name are still checked), and <paramref name="log"/>
    /// sees every request that reaches the wire.
    /// </summary>
    public HttpMessageHandler Handler(RequestLog log)
    {
        var sockets = new SocketsHttpHandler();
        if (Ca is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(Ca);
            sockets.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        return new LoopbackOnly(log) { InnerHandler = sockets };
    }

    public HttpClient HttpClient(RequestLog log) => new(Handler(log)) { Timeout = TimeSpan.FromSeconds(60) };

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public void Dispose()
    {
        const int SIGTERM = 15;
        if (!_process.HasExited)
        {
            kill(_process.Id, SIGTERM);
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
        _process.WaitForExit();
        _process.Dispose();
        try { _dir.Delete(recursive: true); } catch (IOException) { }
    }
}

/// <summary>Every request sent on the wire: what a test asserts about a client's behaviour.</summary>
public sealed class RequestLog
{
    public sealed record Entry(string Method, string PathAndQuery, string? ContentType, string? Form, int Status, string? RetryAfter, string? RetryAttempt, DateTime At);

    private readonly List<Entry> _entries = new();

    public void Add(Entry e) { lock (_entries) { _entries.Add(e); } }

    public IReadOnlyList<Entry> Entries { get { lock (_entries) { return _entries.ToList(); } } }

    public IReadOnlyList<Entry> To(string pathPrefix) =>
        Entries.Where(e => e.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal)).ToList();

    public void Clear() { lock (_entries) { _entries.Clear(); } }
}

/// <summary>
/// Refuses any request that would leave this machine (MSAL's instance discovery would otherwise
/// go to login.microsoftonline.com for a host it does not know) and records the rest.
/// </summary>
internal sealed class LoopbackOnly : DelegatingHandler
{
    private readonly RequestLog _log;

    public LoopbackOnly(RequestLog log) => _log = log;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("request without a URI");
        if (uri.Host != "127.0.0.1" && uri.Host != "localhost")
        {
            throw new InvalidOperationException($"a client tried to reach {uri.Host}: these tests talk to the emulator only");
        }
        string? form = null;
        var contentType = request.Content?.Headers.ContentType?.MediaType;
        if (request.Content is not null && contentType == "application/x-www-form-urlencoded")
        {
            form = await request.Content.ReadAsStringAsync(ct);
        }
        var response = await base.SendAsync(request, ct);
        string? retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? retryAttempt = request.Headers.TryGetValues("Retry-Attempt", out var v) ? v.FirstOrDefault() : null;
        _log.Add(new RequestLog.Entry(request.Method.Method, uri.PathAndQuery, contentType, form, (int)response.StatusCode, retryAfter, retryAttempt, DateTime.UtcNow));
        return response;
    }
}

/// <summary>Graph's error body, for assertions on raw responses.</summary>
public static class GraphErrors
{
    public static async Task<(int Status, string Code, string Message)> Read(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        var e = doc.RootElement.GetProperty("error");
        return ((int)r.StatusCode, e.GetProperty("code").GetString() ?? "", e.GetProperty("message").GetString() ?? "");
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
