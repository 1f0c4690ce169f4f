using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The load run with PostgreSQL backends ended under it: 8 clients on real Kestrel write (create
/// groups and portfolios, add memberships) while every backend of the database is terminated every
/// 100 ms. No answer is a 500; a lost connection is a 503 with Retry-After, which the client sends
/// again; and everything acknowledged (a 200 or 201) is there at the end.
/// </summary>
[TestFixture(Db.Postgres)]
public sealed class LostConnectionLoadTests(Db db) : DatabaseTest(db)
{
    private const int Clients = 8;
    // Each write is three requests, most answered 503 several times before one lands, and a
    // connection opened while backends are being ended takes about 200 ms on two cores (plain
    // Npgsql too): 40 writes per client keep the run to about three minutes.
    private const int WritesPerClient = 40;

    [Test]
    public async Task Eight_clients_with_backends_terminated_get_no_500_and_lose_nothing_acknowledged()
    {
        await using var api = new WebApi(Db, ConnectionString, kestrel: true);
        var address = api.StartKestrel();
        var run = Unique("lost");
        var statuses = new ConcurrentDictionary<int, int>();
        var acknowledged = new ConcurrentBag<(string Group, string Portfolio)>();
        using var stop = new CancellationTokenSource();
        var terminator = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await TerminateBackendsAsync();
                await Task.Delay(100);
            }
        });

        async Task<HttpResponseMessage> SendUntilAnsweredAsync(HttpClient client, Func<Task<HttpResponseMessage>> send)
        {
            while (true)
            {
                var response = await send();
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    return response;
                }

                response.Headers.RetryAfter.Should().NotBeNull("a 503 says when to try again");
                await Task.Delay(10);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = address };
            for (var i = 0; i < WritesPerClient; i++)
            {
                var group = $"{run}-g{c}-{i % 10}";
                var portfolio = $"{run}-p{c}-{i}";
                var g = await SendUntilAnsweredAsync(client, () => client.PostAsJsonAsync("/api/v1/portfolio-group/", new { unique_identifier = group, display_name = "G" }));
                var p = await SendUntilAnsweredAsync(client, () => client.PostAsJsonAsync("/api/v1/portfolio/", new { unique_identifier = portfolio }));
                if (!g.IsSuccessStatusCode || !p.IsSuccessStatusCode)
                {
                    continue;
                }

                var groupUid = (await g.ReadNodeAsync(g.StatusCode)).Uid();
                var added = await SendUntilAnsweredAsync(client, () => client.PostAsJsonAsync($"/api/v1/portfolio-group/{groupUid}/portfolios/", new { portfolio_unique_identifier = portfolio }));
                if (added.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged.Add((group, portfolio));
                }
            }
        })));
        await stop.CancelAsync();
        await terminator;

        TestContext.Out.WriteLine($"answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}; acknowledged memberships: {acknowledged.Count}");
        statuses.Keys.Should().OnlyContain(s => s == 200 || s == 201 || s == 503, "no 500, and no other failure");
        statuses.Should().ContainKey(503, "backends were ended under the load");
        acknowledged.Should().HaveCount(Clients * WritesPerClient, "every write is answered in the end");

        // Everything acknowledged is there.
        using var reader = new HttpClient { BaseAddress = address };
        foreach (var group in acknowledged.GroupBy(a => a.Group))
        {
            var found = await (await reader.GetAsync($"/api/v1/portfolio-group/?unique_identifier={group.Key}")).ReadNodeAsync(HttpStatusCode.OK);
            var uid = found["items"]![0]!.Uid();
            var members = await (await reader.GetAsync($"/api/v1/portfolio-group/{uid}/portfolios/?limit=500")).ReadNodeAsync(HttpStatusCode.OK);
            members["items"]!.AsArray().Select(m => m!.Text("unique_identifier")).Should().BeEquivalentTo(group.Select(a => a.Portfolio));
        }
    }

    private async Task TerminateBackendsAsync()
    {
        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
        terminate.Parameters.AddWithValue("db", database!);
        await terminate.ExecuteScalarAsync();
    }
}
