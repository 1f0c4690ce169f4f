using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Host;

/// <summary>samples/PortfolioGroups.HostApp: EF Core tables and the library in one database, one transaction, DI from configuration.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class SampleHostAppTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task The_host_sample_commits_both_sides_together_and_a_failure_undoes_both()
    {
        var database = await NewDatabaseAsync();
        string[] args = Db == Db.Postgres
            ? [$"--ConnectionStrings:Main={database}", "--PortfolioGroups:Provider=Postgres"]
            : [$"--ConnectionStrings:Main={database}"];
        var output = new StringWriter();

        (await PortfolioGroups.HostApp.HostApp.RunAsync(args, output)).Should().Be(0);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCount(3);
        lines[0].Should().MatchRegex("^committed: strategy btc-momentum-[0-9a-f]{6} in crypto, production$");
        lines[1].Should().Be("rolled back: No PortfolioGroup row has unique_identifier 'no-such-group'.");
        lines[2].Should().Be("after the rollback: strategy gone, portfolio gone");

        // The application's strategy table is the portfolio table: the library made none of its own,
        // and the memberships point at the strategy (deleting it with plain SQL removes them).
        await using var connection = await OpenPlainConnectionAsync(database);
        (await CountAsync(connection, "app_strategy")).Should().Be(1);
        (await CountAsync(connection, "portfolio_group_membership")).Should().Be(2);
        (await ScalarAsync(connection, "SELECT count(*) FROM " + (Db == Db.Postgres ? "information_schema.tables WHERE table_name = 'portfolio'" : "sqlite_master WHERE name = 'portfolio'"))).Should().Be(0);
        await ScalarAsync(connection, "DELETE FROM app_strategy");
        (await CountAsync(connection, "portfolio_group_membership")).Should().Be(0);
        (await CountAsync(connection, "portfolio_group")).Should().Be(2);
    }

    private static Task<long> CountAsync(System.Data.Common.DbConnection connection, string table) =>
        ScalarAsync(connection, $"SELECT count(*) FROM {table}");

    private static async Task<long> ScalarAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
