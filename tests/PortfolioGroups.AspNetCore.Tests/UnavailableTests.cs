using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>A lost database connection is the server's temporary state: 503 with Retry-After, never 500.</summary>
[TestFixture(Db.Postgres)]
public sealed class UnavailableTests(Db db) : ApiTest(db)
{
    [Test]
    public async Task Writes_on_connections_the_server_ended_answer_503_with_retry_after_and_never_500()
    {
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 5; round++)
        {
            // Warm the pool, end every backend of the database, then write at once.
            (await Client.GetAsync("/api/v1/portfolio-group/?limit=1")).StatusCode.Should().Be(HttpStatusCode.OK);
            await TerminateBackendsAsync();
            var response = await Client.PostAsync("/api/v1/portfolio-group/", Calls.Json(new { unique_identifier = Unique("lost"), display_name = "Lost" }));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
                (await response.ProblemAsync(HttpStatusCode.ServiceUnavailable)).Text("detail").Should().Contain("send the request again");
            }
        }

        TestContext.Out.WriteLine($"statuses: {string.Join(", ", statuses)}");
        statuses.Should().OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.ServiceUnavailable);
        statuses.Should().Contain(HttpStatusCode.ServiceUnavailable, "a write on a connection the server ended is not retried, and answers 503");
        (await Client.GetAsync("/api/v1/portfolio-group/?limit=1")).StatusCode.Should().Be(HttpStatusCode.OK, "the next request gets a fresh connection");
    }

    private async Task TerminateBackendsAsync()
    {
        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
        terminate.Parameters.AddWithValue("db", database!);
        await terminate.ExecuteScalarAsync();

        // pg_terminate_backend only signals: wait until the backends are gone.
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db", admin);
        count.Parameters.AddWithValue("db", database!);
        for (var attempt = 0; attempt < 400 && (long)(await count.ExecuteScalarAsync())! > 0; attempt++)
        {
            await Task.Delay(10);
        }
    }
}

/// <summary>A request that reaches the API after the host closed its store (while it shuts down) is told to come back: 503 with Retry-After.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class ClosedStoreTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_request_after_the_store_was_closed_answers_503_with_retry_after_not_500()
    {
        await using var api = new WebApi(Db, ConnectionString);
        using var client = api.CreateDefaultClient(new OpenApiResponses());
        (await client.GetAsync("/api/v1/portfolio-group/?limit=1")).StatusCode.Should().Be(HttpStatusCode.OK);

        // What the host does when it stops: the store is disposed while a request may still run.
        await api.Services.GetRequiredService<PortfolioStore>().DisposeAsync();

        var read = await client.GetAsync("/api/v1/portfolio-group/?limit=1");
        (await read.ProblemAsync(HttpStatusCode.ServiceUnavailable)).Text("detail").Should().Contain("send the request again");
        read.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        var write = await client.PostAsync("/api/v1/portfolio-group/", Calls.Json(new { unique_identifier = Unique("closed"), display_name = "Closed" }));
        await write.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        (await client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK, "health does not touch the store");
    }
}

/// <summary>A database that cannot be opened as configured (here: dropped while the server runs) is the server's state, not the client's fault: 503 with Retry-After, never 500.</summary>
[TestFixture(Db.Postgres)]
public sealed class StoreOpenUnavailableTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_request_on_a_database_that_no_longer_exists_answers_503_with_retry_after_not_500()
    {
        var connectionString = await NewDatabaseAsync();
        await using var api = new WebApi(Db, connectionString);
        using var client = api.CreateDefaultClient(new OpenApiResponses());
        (await client.GetAsync("/api/v1/portfolio-group/?limit=1")).StatusCode.Should().Be(HttpStatusCode.OK);

        await using (var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString))
        {
            await admin.OpenAsync();
            var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
            await using var drop = new NpgsqlCommand($"DROP DATABASE \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        var read = await client.GetAsync("/api/v1/portfolio-group/?limit=1");
        (await read.ProblemAsync(HttpStatusCode.ServiceUnavailable)).Text("detail").Should().Contain("send the request again");
        read.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
    }
}
