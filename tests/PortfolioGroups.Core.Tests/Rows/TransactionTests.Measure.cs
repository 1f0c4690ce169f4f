using System.Diagnostics;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>What a transaction costs a bulk call: 100,000 pairs alone, and inside a transaction (behind a savepoint).</summary>
public sealed partial class TransactionTests
{
    [Test]
    [NonParallelizable]
    [Explicit("A measurement, run by name: dotnet test --filter Name~Measure_a_bulk_add")]
    public async Task Measure_a_bulk_add_of_100000_pairs_alone_and_inside_a_transaction()
    {
        IgnorePortfolioWritesInHostMode();
        var prefix = Unique("m");
        var portfolios = Enumerable.Range(0, 1000).Select(i => $"{prefix}-p{i}").ToArray();
        var groups = Enumerable.Range(0, 400).Select(i => $"{prefix}-g{i}").ToArray();
        await Portfolio.UpsertManyAsync(Store, portfolios.Select(p => new PortfolioUpsert(p)));
        await PortfolioGroup.UpsertManyAsync(Store, groups.Select(g => new PortfolioGroupUpsert(g, g)));
        IEnumerable<(PortfolioGroupRef, PortfolioRef)> Pairs(int from) =>
            groups.Skip(from).Take(100).SelectMany(g => portfolios.Select(p => ((PortfolioGroupRef)g, (PortfolioRef)p)));

        // Alternating, on fresh groups each time, so the table grows alike for both.
        var (alone, inside) = (new List<double>(), new List<double>());
        for (var round = 0; round < 4; round++)
        {
            var watch = Stopwatch.StartNew();
            if (round % 2 == 0)
            {
                (await PortfolioGroupMembership.AddManyAsync(Store, Pairs(round * 100))).Added.Should().Be(100_000);
                alone.Add(watch.Elapsed.TotalMilliseconds);
            }
            else
            {
                await using (var tx = await Store.BeginTransactionAsync())
                {
                    (await PortfolioGroupMembership.AddManyAsync(tx.Store, Pairs(round * 100))).Added.Should().Be(100_000);
                    await tx.CommitAsync();
                }

                inside.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        await TestContext.Progress.WriteLineAsync(
            $"{Db}: AddManyAsync of 100,000 pairs: alone {string.Join(" / ", alone.Select(t => $"{t:0}"))} ms, inside a transaction {string.Join(" / ", inside.Select(t => $"{t:0}"))} ms (ratio of sums {inside.Sum() / alone.Sum():0.00})");
    }
}
