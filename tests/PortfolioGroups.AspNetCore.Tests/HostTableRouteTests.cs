using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PortfolioGroups.AspNetCore;
using PortfolioGroups.Hosting;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The <c>/portfolio/</c> routes of a store whose portfolios are a host's table
/// (<see cref="PortfolioTable.Existing"/>): reads answer from the host's rows; every write route
/// answers 405 with a problem, and nothing reaches the host's table.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HostTableRouteTests(Db db) : DatabaseTest(db)
{
    private const string Portfolios = "/api/v1/portfolio/";
    private readonly Guid _uid = Guid.CreateVersion7();
    private WebApplication? _app;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartHostModeApiAsync()
    {
        var connectionString = await NewDatabaseAsync();
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            var uid = Db == Db.Postgres ? $"'{_uid}'::uuid" : $"'{_uid}'";
            await ExecuteAsync(
                connection,
                (Db == Db.Postgres ? "CREATE TABLE calendar (uid uuid PRIMARY KEY); CREATE TABLE host_portfolio (id uuid PRIMARY KEY, " : "CREATE TABLE calendar (uid TEXT PRIMARY KEY); CREATE TABLE host_portfolio (id TEXT NOT NULL PRIMARY KEY, ")
                + "code TEXT NOT NULL UNIQUE, title TEXT, calendar_uid " + (Db == Db.Postgres ? "uuid" : "TEXT") + " NOT NULL REFERENCES calendar (uid)); "
                + $"INSERT INTO calendar (uid) VALUES ({uid}); INSERT INTO host_portfolio (id, code, title, calendar_uid) VALUES ({uid}, 'HOST-1', 'Host one', {uid})");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddPortfolioGroups(o =>
        {
            _ = Db == Db.Postgres ? o.UsePostgres(connectionString) : o.UseSqlite(connectionString);
            o.Store = o.Store with { PortfolioTable = PortfolioTable.Existing("host_portfolio", "id", "code", "title") };
        });
        _app = builder.Build();
        _app.MapPortfolioGroupsApi();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    [OneTimeTearDown]
    public async Task StopHostModeApiAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Test]
    public async Task Reads_answer_from_the_host_rows_and_every_write_route_is_405_writing_nothing()
    {
        var read = await (await _client.GetAsync($"{Portfolios}{_uid}/")).ReadNodeAsync(HttpStatusCode.OK);
        read.Text("unique_identifier").Should().Be("HOST-1");
        read.Text("display_name").Should().Be("Host one");

        (string Method, string Path, string? Body, string Allow)[] writes =
        [
            ("POST", Portfolios, "{\"unique_identifier\":\"NEW-1\"}", "GET"),
            ("PATCH", $"{Portfolios}{_uid}/", "{\"display_name\":\"changed\"}", "GET"),
            ("DELETE", $"{Portfolios}{_uid}/", null, "GET"),
            ("POST", $"{Portfolios}bulk-delete/", $"{{\"uids\":[\"{_uid}\"]}}", ""),
        ];
        foreach (var (method, path, body, allow) in writes)
        {
            var response = await _client.SendAsync(method, path, body);
            var problem = await response.ProblemAsync(HttpStatusCode.MethodNotAllowed);
            problem.Text("detail").Should().Contain("host_portfolio");
            string.Join(",", response.Content.Headers.Allow).Should().Be(allow, $"{method} {path}");
        }

        var after = await (await _client.GetAsync($"{Portfolios}?search=HOST")).ReadNodeAsync(HttpStatusCode.OK);
        after["items"]!.AsArray().Select(p => p!.Text("display_name")).Should().Equal("Host one");
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
