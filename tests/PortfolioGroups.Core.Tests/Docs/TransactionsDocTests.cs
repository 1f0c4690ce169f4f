using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/transactions.md shows the code this test runs, line for line.</summary>
public sealed class TransactionsDocTests : TempFolderTest
{
    [Test]
    public async Task The_store_transaction_shown_in_the_guide_commits_the_three_calls_together()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "tx.db")}");
        var cancellationToken = CancellationToken.None;

        // <own>
        await using (PortfolioTransaction tx = await store.BeginTransactionAsync(cancellationToken))
        {
            var p = await Portfolio.AddAsync(tx.Store, "btc-momentum", "BTC momentum", cancellationToken);
            await PortfolioGroup.AddAsync(tx.Store, "crypto", "Crypto portfolios", cancellationToken: cancellationToken);
            await PortfolioGroup.AddPortfolioAsync(tx.Store, "crypto", p, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }   // disposing without a commit rolls back
        // </own>

        (await PortfolioGroup.GetPortfoliosAsync(store, "crypto")).Select(x => x.UniqueIdentifier).Should().Equal("btc-momentum");
        var guide = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "transactions.md")).ReplaceLineEndings("\n");
        var shown = RepositoryFiles.Between(RepositoryFiles.Between(guide, "## The store's own transaction\n", "\n## "), "```csharp\n", "```\n");
        shown.Should().Be(Ran("own"));
    }

    private static string Ran(string region)
    {
        var source = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "tests", "PortfolioGroups.Core.Tests", "Docs", "TransactionsDocTests.cs")).ReplaceLineEndings("\n");
        var lines = RepositoryFiles.Between(source, $"// <{region}>\n", $"        // </{region}>").Split('\n');
        return string.Join("\n", lines.Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
    }
}
