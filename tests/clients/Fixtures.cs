using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Graph;
using Microsoft.Identity.Client;
using Microsoft.Kiota.Abstractions.Authentication;

namespace UserPhoto.ClientTests;

/// <summary>The app's certificate: an RSA key and a self-signed certificate made for this run.</summary>
public static class AppCertificate
{
    private static readonly Lazy<X509Certificate2> s_cert = new(() =>
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=photo-sync.contoso.com", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        // Through PKCS#12 so the private key is usable for signing on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    });

    public static X509Certificate2 Value => s_cert.Value;
}

/// <summary>Hands MSAL the test's HttpClient (emulator CA trusted, loopback only, logged).</summary>
public sealed class MsalHttp : IMsalHttpClientFactory
{
    private readonly HttpClient _client;

    public MsalHttp(HttpClient client) => _client = client;

    public HttpClient GetHttpClient() => _client;
}

/// <summary>Access tokens for the Graph SDK from an MSAL confidential client (cached by MSAL).</summary>
public sealed class MsalTokenProvider : IAccessTokenProvider
{
    private readonly IConfidentialClientApplication _app;

    public MsalTokenProvider(IConfidentialClientApplication app) => _app = app;

    public AllowedHostsValidator AllowedHostsValidator { get; } = new(new[] { "127.0.0.1", "localhost" });

    public async Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        var result = await _app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync(cancellationToken);
        return result.AccessToken;
    }
}

/// <summary>An emulator for one test class; subclasses change its configuration.</summary>
public abstract class EmulatorFixture : IDisposable
{
    protected EmulatorFixture(bool https = true)
    {
        var config = Emulator.DefaultConfig(AppCertificate.Value);
        Configure(config);
        Emulator = Emulator.Start(config, https);
        Http = Emulator.HttpClient(Log);
    }

    public Emulator Emulator { get; }
    public RequestLog Log { get; } = new();
    public HttpClient Http { get; }

    protected virtual void Configure(JsonObject config) { }

    public IConfidentialClientApplication SecretApp(string tenant = Emulator.Tenant) =>
        ConfidentialClientApplicationBuilder.Create(Emulator.SecretApp)
            .WithClientSecret(Emulator.Secret)
            .WithAuthority($"{Emulator.BaseUrl}/{tenant}", validateAuthority: false)
            // MSAL asks login.microsoftonline.com about a host it does not know, unless told
            // where else to ask: here, the emulator's own instance discovery endpoint (MSAL
            // then leaves authority validation to the caller, hence validateAuthority: false).
            .WithInstanceDiscoveryMetadata(new Uri($"{Emulator.BaseUrl}/common/discovery/instance"))
            .WithHttpClientFactory(new MsalHttp(Http))
            .Build();

    /// <summary>A Graph SDK client with its default handlers (retry, redirect, ...) over MSAL tokens.</summary>
    public GraphServiceClient Graph(IConfidentialClientApplication? app = null)
    {
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        var http = GraphClientFactory.Create(handlers, finalHandler: Emulator.Handler(Log));
        var auth = new BaseBearerTokenAuthenticationProvider(new MsalTokenProvider(app ?? SecretApp()));
        return new GraphServiceClient(http, auth, $"{Emulator.BaseUrl}/v1.0");
    }

    public void Dispose()
    {
        Http.Dispose();
        Emulator.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class HttpsEmulator : EmulatorFixture { }

/// <summary>Answers "no photo" with ImageNotFound, ErrorEntityNotFound, ErrorItemNotFound in turn.</summary>
public sealed class RotatingNoPhotoEmulator : EmulatorFixture
{
    protected override void Configure(JsonObject config) => config["no_photo_error"] = "rotate";
}

/// <summary>One Graph request per 1.5 s window per app; the next one gets 429 with Retry-After.</summary>
public sealed class WindowThrottledEmulator : EmulatorFixture
{
    protected override void Configure(JsonObject config) =>
        config["throttle"] = new JsonObject { ["requests_per_window"] = 1, ["window_ms"] = 1500 };
}

/// <summary>Every Graph request gets 429 with Retry-After: 1.</summary>
public sealed class AlwaysThrottledEmulator : EmulatorFixture
{
    protected override void Configure(JsonObject config) =>
        config["faults"] = new JsonObject { ["seed"] = 1, ["p_429"] = 1.0 };
}
