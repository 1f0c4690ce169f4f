using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>samples/scripts/group-report.cs, run with `dotnet run` on the packed package.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[NonParallelizable] // Runs of one script share its build folder.
public sealed class GroupReportScriptTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task Prints_member_counts_the_portfolios_in_both_groups_and_the_groups_of_a_portfolio_as_tables()
    {
        using var folder = new TempDirectory();
        var connectionString = await NewDatabaseAsync();
        await using (var store = await OpenStoreAsync(connectionString))
        {
            await PortfolioGroup.UpsertManyAsync(store, [new("production", "Production"), new("crypto", "Crypto portfolios"), new("legacy", "Legacy")]);
            await Portfolio.UpsertManyAsync(store, [new("sol-trend"), new("btc-momentum", "BTC momentum"), new("eth-carry", "ETH carry")]);
            await PortfolioGroupMembership.AddManyAsync(store, [
                ("crypto", "btc-momentum"), ("crypto", "eth-carry"), ("crypto", "sol-trend"),
                ("production", "sol-trend"), ("production", "btc-momentum"),
            ]);
        }

        var run = await RunAsync(["crypto", "production", "btc-momentum"], connectionString, folder.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Be(
            """
            Members per group
            group       display name       members
            ----------  -----------------  -------
            crypto      Crypto portfolios        3
            legacy      Legacy                   0
            production  Production               2

            Portfolios in all of crypto and production
            portfolio     display name
            ------------  ------------
            btc-momentum  BTC momentum
            sol-trend

            Groups of btc-momentum
            group       display name
            ----------  -----------------
            crypto      Crypto portfolios
            production  Production


            """.ReplaceLineEndings("\n"),
            run.ToString());
    }

    [Test]
    public async Task An_unknown_group_is_one_error_line_and_no_report()
    {
        using var folder = new TempDirectory();
        var connectionString = await NewDatabaseAsync();
        await using (var store = await OpenStoreAsync(connectionString))
        {
            await PortfolioGroup.AddAsync(store, "crypto", "Crypto portfolios");
            await Portfolio.AddAsync(store, "btc-momentum");
        }

        var run = await RunAsync(["crypto", "no-such-group", "btc-momentum"], connectionString, folder.Path);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().BeEmpty();
        run.Error.Should().Be("group-report: No PortfolioGroup row has unique_identifier 'no-such-group'.\n");
    }

    private Task<ProcessResult> RunAsync(IReadOnlyList<string> names, string connectionString, string workingDirectory) =>
        FileBasedApp.RunScriptAsync(
            RepositoryFiles.Script("group-report.cs"),
            [.. names, "--connection", connectionString, "--provider", Db == Db.Postgres ? "postgres" : "sqlite"],
            workingDirectory);
}
