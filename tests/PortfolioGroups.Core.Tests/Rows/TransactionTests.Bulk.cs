using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Every bulk call inside a joined transaction: commits and rolls back with the host's.</summary>
public sealed partial class TransactionTests
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task Every_bulk_call_runs_inside_a_joined_transaction(bool commit)
    {
        IgnorePortfolioWritesInHostMode();
        var prefix = Unique("bulk");
        var portfolios = Enumerable.Range(0, 500).Select(i => $"{prefix}-p{i}").ToArray();
        var (g1, g2, gone) = ($"{prefix}-g1", $"{prefix}-g2", $"{prefix}-gone");

        await using var connection = await OpenPlainConnectionAsync();
        await using (var hostTransaction = await connection.BeginTransactionAsync())
        {
            await using (var joined = Store.JoinTransaction(hostTransaction))
            {
                var s = joined.Store;
                (await Portfolio.UpsertManyAsync(s, portfolios.Select(p => new PortfolioUpsert(p)))).Inserted.Should().Be(500);
                (await PortfolioGroup.UpsertManyAsync(s, [new(g1, "G1"), new(g2, "G2"), new(gone, "Gone")])).Inserted.Should().Be(3);
                (await PortfolioGroupMembership.AddManyAsync(s, portfolios.Select(p => ((PortfolioGroupRef)g1, (PortfolioRef)p)))).Added.Should().Be(500);
                (await PortfolioGroup.AddPortfoliosAsync(s, g2, portfolios.Take(10).Select(p => (PortfolioRef)p))).Added.Should().Be(10);
                (await PortfolioGroup.SetPortfoliosAsync(s, g2, portfolios.Skip(5).Take(10).Select(p => (PortfolioRef)p))).Should().Be(new SetPortfoliosResult(5, 5, 5));
                (await PortfolioGroup.BulkDeleteAsync(s, uniqueIdentifiers: [gone])).Should().Be(1);
                (await Portfolio.BulkDeleteAsync(s, uniqueIdentifiers: [portfolios[^1]])).Should().Be(1);
                (await PortfolioGroup.StreamAsync(s, new PortfolioGroupFilter { UniqueIdentifiers = [g1, g2, gone] }).CountAsync()).Should().Be(2);
                (await PortfolioGroup.GetPortfoliosAsync(s, g1)).Should().HaveCount(499);
            }

            // The host's own reads in its transaction see the library's writes; outside, nothing yet.
            (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")} WHERE unique_identifier LIKE @p", new { p = prefix + "%" }, hostTransaction)).Should().Be(499);
            (await Portfolio.FindAsync(Store, portfolios[0])).Should().BeNull();

            if (commit)
            {
                await hostTransaction.CommitAsync();
            }
            else
            {
                await hostTransaction.RollbackAsync();
            }
        }

        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { UniqueIdentifiers = [g1, g2, gone] })).Should().HaveCount(commit ? 2 : 0);
        if (commit)
        {
            (await PortfolioGroup.GetPortfoliosAsync(Store, g2)).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(portfolios.Skip(5).Take(10));
        }
    }
}
