using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortfolioGroups.AspNetCore;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// <c>--http-add-one [rounds] [seconds]</c>: requests per second of the HTTP add-one route
/// (<c>POST /api/v1/portfolio-group/{uid}/portfolios/</c> with <c>{"portfolio_uid": ...}</c>, each
/// request a new pair) beside a minimal ASP.NET Core app whose one route reads the same body and
/// runs the plain statement (<see cref="PlainSql"/>) on a pooled connection, returning the same
/// JSON. Both apps run on Kestrel on loopback in this process; a load loop of 8 concurrent
/// connections (HttpClient over SocketsHttpHandler) drives one app at a time, the apps taking
/// turns round by round; the table gives each app's median requests/s over the rounds.
/// </summary>
public static class HttpAddOne
{
    public const int Connections = 8;

    /// <summary>The minimal app's statement (on SQLite it is preceded by <c>PRAGMA busy_timeout</c>, as the library sets per connection: without it concurrent writers fail or back off in coarse steps).</summary>
    public const string PlainSql =
        "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @group, @portfolio) "
        + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING RETURNING uid, portfolio_group_uid, portfolio_uid";

    public static async Task<int> RunAsync(int rounds, double seconds)
    {
        var rows = new List<string>();
        foreach (var name in BenchDatabase.Names())
        {
            await using var database = await BenchDatabase.OpenAsync(name);
            var (library, plain) = await MeasureAsync(database, rounds, TimeSpan.FromSeconds(seconds));
            rows.Add($"| POST add-one | {(database.IsPostgres ? "PostgreSQL" : "SQLite")} | {library:N0} | {plain:N0} | {library / plain:F2} |");
        }

        Console.WriteLine($"Median requests/s over {rounds} rounds of {seconds} s per app, {Connections} connections, loopback");
        Console.WriteLine();
        Console.WriteLine("| route | database | library app req/s | minimal app req/s | library / minimal |");
        Console.WriteLine("|---|---|--:|--:|--:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<(double Library, double Plain)> MeasureAsync(BenchDatabase database, int rounds, TimeSpan duration)
    {
        var portfolios = await database.SeedRowsAsync("portfolio", "http-p", 120_000);
        var groups = await database.SeedRowsAsync("portfolio_group", "http-g", 2);

        await using var libraryApp = await StartAsync(app => app.MapPortfolioGroupsApi(), database);
        await using var plainApp = await StartAsync(app => MapPlain(app, database), database);
        var libraryUrl = $"{libraryApp.Urls.First()}/api/v1/portfolio-group/{groups[0]}/portfolios/";
        var plainUrl = $"{plainApp.Urls.First()}/add/{groups[1]}";

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        var next = new int[2];
        var libraryRates = new List<double>();
        var plainRates = new List<double>();

        // Warm-up: JIT, connection pools, both apps.
        await LoadAsync(client, libraryUrl, portfolios, () => Interlocked.Increment(ref next[0]), TimeSpan.FromSeconds(1));
        await LoadAsync(client, plainUrl, portfolios, () => Interlocked.Increment(ref next[1]), TimeSpan.FromSeconds(1));
        for (var round = 0; round < rounds; round++)
        {
            var first = round % 2 == 0;
            for (var side = 0; side < 2; side++)
            {
                var isLibrary = (side == 0) == first;
                var index = isLibrary ? 0 : 1;
                var rate = await LoadAsync(client, isLibrary ? libraryUrl : plainUrl, portfolios, () => Interlocked.Increment(ref next[index]), duration);
                (isLibrary ? libraryRates : plainRates).Add(rate);
            }

            Console.Error.WriteLine($"round {round + 1}: library {libraryRates[^1]:N0}/s, minimal {plainRates[^1]:N0}/s");
        }

        return (Stats.Median(libraryRates), Stats.Median(plainRates));
    }

    private static async Task<double> LoadAsync(HttpClient client, string url, Guid[] portfolios, Func<int> next, TimeSpan duration)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        var workers = Enumerable.Range(0, Connections).Select(async _ =>
        {
            while (stopwatch.Elapsed < duration)
            {
                var portfolio = portfolios[next() % portfolios.Length];
                using var content = new StringContent($"{{\"portfolio_uid\":\"{portfolio}\"}}", Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(url, content);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK || !body.Contains(portfolio.ToString(), StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {body}");
                }

                Interlocked.Increment(ref done);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var rate = done / stopwatch.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  {url[..url.IndexOf('/', 8)]}: {rate:N0}/s, this process's CPU {(Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / done:N0} µs per request (server and load loop)");
        return rate;
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map, BenchDatabase database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(database.Store);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private sealed record AddBody(Guid portfolio_uid);

    private sealed record MembershipBody(Guid uid, Guid portfolio_group_uid, Guid portfolio_uid);

    /// <summary>The minimal app: read the body, run the plain statement, answer the row as JSON.</summary>
    private static void MapPlain(WebApplication app, BenchDatabase database)
    {
        var sql = database.IsPostgres ? PlainSql : "PRAGMA busy_timeout = 30000; " + PlainSql;
        app.MapPost("/add/{group}", async (Guid group, HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<AddBody>(request.Body);
            var connection = await database.OpenConnectionAsync();
            await using (connection)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                BenchDatabase.Parameter(command, "uid", database.Uid(Guid.CreateVersion7()));
                BenchDatabase.Parameter(command, "group", database.Uid(group));
                BenchDatabase.Parameter(command, "portfolio", database.Uid(body!.portfolio_uid));
                await using var reader = await command.ExecuteReaderAsync();
                if (!database.IsPostgres)
                {
                    // The pragma's own one-row result comes first.
                    await reader.NextResultAsync();
                }

                if (!await reader.ReadAsync())
                {
                    return Results.Conflict();
                }

                return Results.Json(new MembershipBody(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2)));
            }
        });
    }
}
