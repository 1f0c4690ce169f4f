using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>The web sample on real Kestrel on a loopback port, called with a plain HttpClient.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class KestrelTests(Db db) : DatabaseTest(db)
{
    private const int Clients = 8;
    private const int RequestsPerClient = 2_000;

    private WebApi _api = null!;
    private Uri _address = null!;

    [OneTimeSetUp]
    public void StartKestrel()
    {
        _api = new WebApi(Db, ConnectionString, kestrel: true);
        _address = _api.StartKestrel();
    }

    [OneTimeTearDown]
    public async Task StopKestrelAsync() => await _api.DisposeAsync();

    [Test]
    public async Task The_api_and_its_openapi_document_are_served_over_loopback()
    {
        _address.IsLoopback.Should().BeTrue();
        using var client = new HttpClient { BaseAddress = _address };
        var created = await client.PostAsJsonAsync("/api/v1/portfolio-group/", new { unique_identifier = Unique("kestrel"), display_name = "Over Kestrel" });
        var group = await created.ReadNodeAsync(HttpStatusCode.Created);
        var read = await (await client.GetAsync(created.Headers.Location)).ReadNodeAsync(HttpStatusCode.OK);
        read.Text("display_name").Should().Be("Over Kestrel");
        read.Uid().Should().Be(group.Uid());
        (await client.GetStringAsync("/openapi/v1.json")).Should().Contain("\"listPortfolioGroups\"");

        using var nul = new HttpRequestMessage(HttpMethod.Get, "/api/v1/portfolio-group/%00/");
        ((int)(await client.SendAsync(nul)).StatusCode).Should().BeLessThan(500);
    }

    /// <summary>
    /// The bounded load run: 8 clients, each 2,000 mixed requests over its own rows (so each
    /// client's model is exact), with shared listings and counts between them. No 5xx, every
    /// answer as the model expects, and the final counts equal the model's. Prints the throughput.
    /// </summary>
    [Test]
    public async Task Eight_clients_of_2000_mixed_requests_end_with_the_models_counts()
    {
        var run = Unique("load");
        var failures = new ConcurrentQueue<string>();
        var models = Enumerable.Range(0, Clients).Select(i => new ClientModel($"{run}-c{i}")).ToArray();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(models.Select((model, i) => Task.Run(() => RunClientAsync(model, new Random(1000 + i), failures))));
        stopwatch.Stop();
        var total = Clients * RequestsPerClient;
        await TestContext.Progress.WriteLineAsync(
            $"Load run on {Db}: {total:N0} requests by {Clients} clients in {stopwatch.Elapsed.TotalSeconds:0.0} s = {total / stopwatch.Elapsed.TotalSeconds:N0} requests/s over loopback Kestrel.");

        failures.Should().BeEmpty();

        using var client = new HttpClient { BaseAddress = _address };
        var groups = models.SelectMany(m => m.Groups).ToList();
        var query = string.Join(",", groups.Select(g => g.Value));
        var counts = await (await client.GetAsync($"/api/v1/portfolio-group/counts/?group_uids={query}")).ReadNodeAsync(HttpStatusCode.OK);
        var expected = models.SelectMany(m => m.Groups.Select(g => (Uid: g.Value.ToString(), Count: (long)m.Members[g.Key].Count)));
        counts.AsObject().ToDictionary(e => e.Key, e => e.Value!.GetValue<long>())
            .Should().BeEquivalentTo(expected.ToDictionary(e => e.Uid, e => e.Count));

        long portfolios = 0;
        for (var offset = 0; ; offset += 500)
        {
            var page = await (await client.GetAsync($"/api/v1/portfolio/?search={run}&limit=500&offset={offset}")).ReadNodeAsync(HttpStatusCode.OK);
            portfolios += page["items"]!.AsArray().Count;
            if (!page["pageInfo"]!["hasNextPage"]!.GetValue<bool>())
            {
                break;
            }
        }

        portfolios.Should().Be(models.Sum(m => m.Portfolios.Count));
    }

    private async Task RunClientAsync(ClientModel model, Random random, ConcurrentQueue<string> failures)
    {
        using var client = new HttpClient { BaseAddress = _address };
        for (var i = 0; i < RequestsPerClient; i++)
        {
            var roll = random.Next(100);
            var g = model.GroupId(random.Next(ClientModel.GroupCount));
            var p = model.PortfolioId(random.Next(ClientModel.PortfolioCount));
            string what;
            HttpResponseMessage response;
            JsonNode? body = null;
            bool Expect(HttpStatusCode status) => response.StatusCode == status;

            if (roll < 12 || !model.Groups.ContainsKey(g))
            {
                what = $"create group {g}";
                response = await client.PostAsJsonAsync("/api/v1/portfolio-group/", new { unique_identifier = g, display_name = $"G {i}" });
                if (Expect(model.Groups.ContainsKey(g) ? HttpStatusCode.OK : HttpStatusCode.Created))
                {
                    model.Groups[g] = (await response.ReadNodeAsync(response.StatusCode)).Uid();
                    model.Members.TryAdd(g, []);
                    continue;
                }
            }
            else if (roll < 27)
            {
                what = $"create portfolio {p}";
                response = await client.PostAsJsonAsync("/api/v1/portfolio/", new { unique_identifier = p });
                if (Expect(model.Portfolios.ContainsKey(p) ? HttpStatusCode.OK : HttpStatusCode.Created))
                {
                    model.Portfolios[p] = (await response.ReadNodeAsync(response.StatusCode)).Uid();
                    continue;
                }
            }
            else if (roll < 52)
            {
                what = $"add {p} to {g}";
                response = await client.PostAsJsonAsync($"/api/v1/portfolio-group/{model.Groups[g]}/portfolios/", new { portfolio_unique_identifier = p });
                if (Expect(model.Portfolios.ContainsKey(p) ? HttpStatusCode.OK : HttpStatusCode.NotFound))
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        model.Members[g].Add(p);
                    }

                    continue;
                }
            }
            else if (roll < 64 && model.Portfolios.TryGetValue(p, out var removeUid))
            {
                what = $"remove {p} from {g}";
                response = await client.DeleteAsync($"/api/v1/portfolio-group/{model.Groups[g]}/portfolios/{removeUid}/");
                if (Expect(HttpStatusCode.OK))
                {
                    body = await response.ReadNodeAsync(HttpStatusCode.OK);
                    if (body.Long("deleted_count") == (model.Members[g].Remove(p) ? 1 : 0))
                    {
                        continue;
                    }
                }
            }
            else if (roll < 68 && model.Portfolios.TryGetValue(p, out var deleteUid))
            {
                what = $"delete portfolio {p}";
                response = await client.DeleteAsync($"/api/v1/portfolio/{deleteUid}/");
                if (Expect(HttpStatusCode.OK))
                {
                    model.Portfolios.Remove(p);
                    foreach (var members in model.Members.Values)
                    {
                        members.Remove(p);
                    }

                    continue;
                }
            }
            else if (roll < 74)
            {
                var chosen = model.Portfolios.Keys.Where(_ => random.Next(3) == 0).ToList();
                what = $"set {g} to {chosen.Count} portfolios";
                response = await client.PutAsJsonAsync($"/api/v1/portfolio-group/{model.Groups[g]}/portfolios/", new { portfolio_unique_identifiers = chosen });
                if (Expect(HttpStatusCode.OK))
                {
                    body = await response.ReadNodeAsync(HttpStatusCode.OK);
                    var before = model.Members[g];
                    var after = chosen.ToHashSet();
                    if (body.Long("added") == after.Count(x => !before.Contains(x)) && body.Long("removed") == before.Count(x => !after.Contains(x)))
                    {
                        model.Members[g] = after;
                        continue;
                    }
                }
            }
            else if (roll < 80)
            {
                var chosen = model.Portfolios.Where(_ => random.Next(4) == 0).ToList();
                what = $"bulk-add {chosen.Count} to {g}";
                response = await client.PostAsJsonAsync($"/api/v1/portfolio-group/{model.Groups[g]}/portfolios/bulk-add/", new { portfolio_uids = chosen.Select(c => c.Value) });
                if (Expect(HttpStatusCode.OK))
                {
                    body = await response.ReadNodeAsync(HttpStatusCode.OK);
                    var already = chosen.Count(c => model.Members[g].Contains(c.Key));
                    if (body.Long("already_present") == already && body.Long("added") == chosen.Count - already)
                    {
                        model.Members[g].UnionWith(chosen.Select(c => c.Key));
                        continue;
                    }
                }
            }
            else if (roll < 90)
            {
                what = $"list {g}";
                response = await client.GetAsync($"/api/v1/portfolio-group/{model.Groups[g]}/portfolios/?limit=500");
                if (Expect(HttpStatusCode.OK))
                {
                    body = await response.ReadNodeAsync(HttpStatusCode.OK);
                    if (body["items"]!.AsArray().Select(x => x!.Text("unique_identifier")).ToHashSet().SetEquals(model.Members[g]))
                    {
                        continue;
                    }
                }
            }
            else if (roll < 95)
            {
                what = "counts";
                response = await client.GetAsync($"/api/v1/portfolio-group/counts/?group_uids={model.Groups[g]}");
                if (Expect(HttpStatusCode.OK))
                {
                    body = await response.ReadNodeAsync(HttpStatusCode.OK);
                    if (body[model.Groups[g].ToString()]!.GetValue<long>() == model.Members[g].Count)
                    {
                        continue;
                    }
                }
            }
            else
            {
                what = "list all groups";
                response = await client.GetAsync("/api/v1/portfolio-group/?limit=100");
                if (Expect(HttpStatusCode.OK))
                {
                    continue;
                }
            }

            failures.Enqueue($"{model.Prefix} request {i}, {what}: {(int)response.StatusCode} {body?.ToJsonString() ?? await response.Content.ReadAsStringAsync()}");
            if (failures.Count > 20)
            {
                return;
            }
        }
    }

    /// <summary>What one client's rows should be: its groups and portfolios (by identifier, with uids) and each group's members.</summary>
    private sealed class ClientModel(string prefix)
    {
        public const int GroupCount = 5;
        public const int PortfolioCount = 25;

        public string Prefix { get; } = prefix;

        public Dictionary<string, Guid> Groups { get; } = [];

        public Dictionary<string, Guid> Portfolios { get; } = [];

        public Dictionary<string, HashSet<string>> Members { get; } = [];

        public string GroupId(int i) => $"{Prefix}-g{i}";

        public string PortfolioId(int i) => $"{Prefix}-p{i}";
    }
}
