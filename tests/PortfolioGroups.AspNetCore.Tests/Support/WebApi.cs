using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace PortfolioGroups.Tests.Support;

/// <summary>The web sample hosted on a given database: in memory (TestServer) or on real Kestrel on a loopback port.</summary>
internal sealed class WebApi : WebApplicationFactory<Program>
{
    private readonly Db _db;
    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string>? _settings;

    public WebApi(Db db, string connectionString, bool kestrel = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        _db = db;
        _connectionString = connectionString;
        _settings = settings;
        if (kestrel)
        {
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(_db == Db.Postgres ? "ConnectionStrings:Postgres" : "ConnectionStrings:Sqlite", _connectionString);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Starts real Kestrel and returns its loopback address.</summary>
    public Uri StartKestrel()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address);
    }
}

/// <summary>Base of the fixtures that call the API on both databases: a fresh database and the web sample on it.</summary>
public abstract class ApiTest(Db db) : DatabaseTest(db)
{
    private WebApi? _api;

    protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartApi()
    {
        _api = new WebApi(Db, ConnectionString);
        Client = _api.CreateDefaultClient(new OpenApiResponses());
    }

    [OneTimeTearDown]
    public async Task StopApiAsync()
    {
        Client?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }
}

/// <summary>Calls and reads of JSON answers.</summary>
internal static class Calls
{
    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static HttpContent Json(object value) => JsonContent.Create(value);

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, string method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = Json(json);
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        (response.Content.Headers.ContentType?.MediaType).Should().Be("application/problem+json");
        var problem = await response.ReadNodeAsync(expected);
        problem["status"]!.GetValue<int>().Should().Be((int)expected);
        return problem;
    }

    /// <summary>A 400 problem, with the fields its errors map names.</summary>
    public static async Task<IReadOnlyCollection<string>> ValidationErrorsAsync(this HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        return [.. problem["errors"]!.AsObject().Select(e => e.Key)];
    }

    public static Guid Uid(this JsonNode node, string field = "uid") => node[field]!.GetValue<Guid>();

    public static string Text(this JsonNode node, string field) => node[field]!.GetValue<string>();

    public static long Long(this JsonNode node, string field) => node[field]!.GetValue<long>();

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
