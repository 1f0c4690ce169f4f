using System.Net;
using System.Net.Http.Json;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The web sample on real Kestrel over a real primary and streaming standby, given a connection
/// string naming both and <c>PortfolioGroups:PostgresReads = PreferStandby</c>.
/// </summary>
[NonParallelizable]
public sealed class ReadReplicaRouteTests
{
    [Test]
    public async Task The_web_sample_reads_from_the_standby_and_sees_its_own_writes()
    {
        await using var pair = await PostgresReplicaPair.StartAsync(TestContext.CurrentContext.CancellationToken);
        var database = await pair.CreateDatabaseAsync("websample");
        var connectionString = pair.MultiHostConnectionString(database);

        // Read-your-writes on (the default): a GET right after a POST finds the row, even with the
        // standby's replay paused (past the wait, the read goes to the primary).
        await using (var api = new WebApi(Db.Postgres, connectionString, kestrel: true, new Dictionary<string, string> { ["PortfolioGroups:PostgresReads"] = "PreferStandby" }))
        {
            using var client = new HttpClient { BaseAddress = api.StartKestrel() };
            var created = await client.PostAsJsonAsync("/api/v1/portfolio/", new { unique_identifier = "first" });
            created.StatusCode.Should().Be(HttpStatusCode.Created);
            (await client.GetAsync(created.Headers.Location)).StatusCode.Should().Be(HttpStatusCode.OK);

            await pair.PauseReplayAsync(true);
            try
            {
                var whilePaused = await client.PostAsJsonAsync("/api/v1/portfolio/", new { unique_identifier = "while-paused" });
                whilePaused.StatusCode.Should().Be(HttpStatusCode.Created);
                (await client.GetAsync(whilePaused.Headers.Location)).StatusCode.Should().Be(HttpStatusCode.OK);
            }
            finally
            {
                await pair.PauseReplayAsync(false);
            }
        }

        // Read-your-writes off: with replay paused, the GET is answered by the standby, which
        // has not seen the POST yet: the reads do go to the standby.
        await pair.WaitForReplayAsync();
        await using (var api = new WebApi(
            Db.Postgres,
            connectionString,
            kestrel: true,
            new Dictionary<string, string> { ["PortfolioGroups:PostgresReads"] = "PreferStandby", ["PortfolioGroups:ReadYourWrites"] = "false" }))
        {
            using var client = new HttpClient { BaseAddress = api.StartKestrel() };
            await pair.PauseReplayAsync(true);
            Uri location;
            try
            {
                var created = await client.PostAsJsonAsync("/api/v1/portfolio/", new { unique_identifier = "stale" });
                created.StatusCode.Should().Be(HttpStatusCode.Created);
                location = created.Headers.Location!;
                (await client.GetAsync(location)).StatusCode.Should().Be(HttpStatusCode.NotFound);
            }
            finally
            {
                await pair.PauseReplayAsync(false);
            }

            await pair.WaitForReplayAsync();
            (await client.GetAsync(location)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }
}
