using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Rows;

/// <summary>docs/rows.md shows the set queries, counts and streams this test runs.</summary>
public sealed partial class SetQueryTests
{
    [Test]
    public async Task The_set_queries_shown_in_the_row_guide_run_and_do_what_it_says()
    {
        // A database of its own, so the guide's identifiers meet no other test's rows.
        await using var store = await OpenStoreAsync(await NewDatabaseAsync());
        var cancellationToken = CancellationToken.None;

        // <set-queries>
        var btc = await Portfolio.AddAsync(store, "btc-momentum");
        var eth = await Portfolio.AddAsync(store, "eth-carry");
        var crypto = await PortfolioGroup.AddAsync(store, "crypto", "Crypto portfolios");
        var prod = await PortfolioGroup.AddAsync(store, "production", "Production");
        var legacy = await PortfolioGroup.AddAsync(store, "legacy", "Legacy");
        await crypto.AddPortfolioAsync(btc);
        await crypto.AddPortfolioAsync(eth);
        await prod.AddPortfolioAsync(btc);

        var cryptoInProduction = await Portfolio.FilterAsync(store, new PortfolioFilter { InAllGroups = ["crypto", "production"] });
        var cryptoNotInProduction = await Portfolio.FilterAsync(store, new PortfolioFilter { InAnyGroup = [crypto], NotInGroups = [prod.Uid] });
        var counts = await PortfolioGroup.CountPortfoliosAsync(store);
        var groupsOf = await PortfolioGroup.GetGroupsForPortfoliosAsync(store, ["btc-momentum", eth]);

        var streamed = new List<string>();
        await foreach (var portfolio in PortfolioGroup.StreamPortfoliosAsync(store, "crypto", cancellationToken))
        {
            streamed.Add(portfolio.UniqueIdentifier);
        }
        // </set-queries>

        cryptoInProduction.Should().Equal(btc);
        cryptoNotInProduction.Should().Equal(eth);
        counts.Should().BeEquivalentTo(new Dictionary<Guid, long> { [crypto.Uid] = 2, [prod.Uid] = 1, [legacy.Uid] = 0 });
        groupsOf[btc.Uid].Select(g => g.Uid).Should().Equal(new[] { crypto.Uid, prod.Uid }.Order());
        groupsOf[eth.Uid].Should().Equal(crypto);
        streamed.Should().Equal(new[] { btc, eth }.OrderBy(p => p.Uid).Select(p => p.UniqueIdentifier));
        var source = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "tests", "PortfolioGroups.Core.Tests", "Rows", "SetQueryTests.Docs.cs"));
        var ran = string.Join("\n", RepositoryFiles.Between(source, "// <set-queries>\n", "        // </set-queries>").Split('\n').Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
        var section = RepositoryFiles.Between(File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "rows.md")), "## Set queries, counts and streaming", "\n## ");
        RepositoryFiles.Between(section, "```csharp\n", "```\n").Should().Be(ran);
    }
}
