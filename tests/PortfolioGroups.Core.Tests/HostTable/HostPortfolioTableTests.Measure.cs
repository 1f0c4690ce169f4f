using System.Diagnostics;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.HostTable;

/// <summary>What a host's portfolio table costs a bulk add: 100,000 pairs in host mode beside the same in library mode.</summary>
public sealed partial class HostPortfolioTableTests
{
    [Test]
    [NonParallelizable]
    [Explicit("A measurement, run by name: dotnet test --filter Name~Measure_a_bulk_add_of_100000_pairs_in_host")]
    public async Task Measure_a_bulk_add_of_100000_pairs_in_host_mode_beside_library_mode()
    {
        var prefix = Unique("m");
        var hostRows = await InsertHostPortfoliosAsync(_hostConnectionString, prefix, 1000);
        var libraryPortfolios = hostRows.Select(r => r.Code).ToArray();
        await Portfolio.UpsertManyAsync(Store, libraryPortfolios.Select(p => new PortfolioUpsert(p)));
        var groups = Enumerable.Range(0, 400).Select(i => $"{prefix}-g{i}").ToArray();
        await PortfolioGroup.UpsertManyAsync(Store, groups.Select(g => new PortfolioGroupUpsert(g, g)));
        await PortfolioGroup.UpsertManyAsync(Host, groups.Select(g => new PortfolioGroupUpsert(g, g)));
        IEnumerable<(PortfolioGroupRef, PortfolioRef)> Pairs(int from) =>
            groups.Skip(from).Take(100).SelectMany(g => libraryPortfolios.Select(p => ((PortfolioGroupRef)g, (PortfolioRef)p)));

        // Alternating, on fresh groups each round, so both membership tables grow alike.
        var (library, host) = (new List<double>(), new List<double>());
        for (var round = 0; round < 4; round++)
        {
            foreach (var (store, times) in new[] { (Store, library), (Host, host) })
            {
                var watch = Stopwatch.StartNew();
                (await PortfolioGroupMembership.AddManyAsync(store, Pairs(round * 100))).Added.Should().Be(100_000);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        await TestContext.Progress.WriteLineAsync(
            $"{Db}: AddManyAsync of 100,000 pairs by unique identifier: library mode {string.Join(" / ", library.Select(t => $"{t:0}"))} ms, "
            + $"host mode {string.Join(" / ", host.Select(t => $"{t:0}"))} ms (ratio of sums host/library {host.Sum() / library.Sum():0.00})");
    }
}
