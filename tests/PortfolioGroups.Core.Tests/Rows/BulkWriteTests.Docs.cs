using PortfolioGroups.Tests.Scripts;

namespace PortfolioGroups.Tests.Rows;

/// <summary>docs/rows.md shows the bulk writes this test runs.</summary>
public sealed partial class BulkWriteTests
{
    [Test]
    public async Task The_bulk_writes_shown_in_the_row_guide_run_and_do_what_it_says()
    {
        IgnorePortfolioWritesInHostMode();
        var store = Store;
        var progress = new RecordingProgress();

        // <bulk-writes>
        var imported = await Portfolio.UpsertManyAsync(store,
            [new PortfolioUpsert("btc-momentum", "BTC momentum"), new PortfolioUpsert("eth-carry"), new PortfolioUpsert("sol-trend")]);
        await PortfolioGroup.UpsertManyAsync(store, [new PortfolioGroupUpsert("crypto", "Crypto portfolios")]);

        var added = await PortfolioGroupMembership.AddManyAsync(store,
            [("crypto", "btc-momentum"), ("crypto", "eth-carry"), ("crypto", "eth-carry")], progress);
        var changed = await PortfolioGroup.SetPortfoliosAsync(store, "crypto", ["eth-carry", "sol-trend"]);
        var deleted = await Portfolio.BulkDeleteAsync(store, uniqueIdentifiers: ["btc-momentum"]);
        // </bulk-writes>

        imported.Should().Be(new UpsertManyResult(Inserted: 3, Updated: 0));
        added.Should().Be(new BulkAddResult(Added: 2, AlreadyPresent: 0));
        progress.Reports.Should().Equal(3);
        changed.Should().Be(new SetPortfoliosResult(Added: 1, Removed: 1, Unchanged: 1));
        deleted.Should().Be(1);
        var source = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "tests", "PortfolioGroups.Core.Tests", "Rows", "BulkWriteTests.Docs.cs"));
        var ran = string.Join("\n", RepositoryFiles.Between(source, "// <bulk-writes>\n", "        // </bulk-writes>").Split('\n').Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
        var section = RepositoryFiles.Between(File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "rows.md")), "## Bulk writes", "\n## ");
        RepositoryFiles.Between(section, "```csharp\n", "```\n").Should().Be(ran);
    }
}
