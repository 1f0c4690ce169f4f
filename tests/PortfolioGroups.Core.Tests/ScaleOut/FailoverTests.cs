using System.Collections.Concurrent;
using System.Diagnostics;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.ScaleOut;

/// <summary>
/// The primary dies under a running mix of reads and writes, and the standby is promoted: what a
/// store opened over both sees, without being reopened.
/// </summary>
[NonParallelizable]
public sealed class FailoverTests
{
    [Test]
    public async Task Writes_fail_cleanly_in_the_gap_reads_go_on_and_after_promotion_writes_resume_with_nothing_lost()
    {
        var total = Stopwatch.StartNew();
        await using var pair = await PostgresReplicaPair.StartAsync(TestContext.CurrentContext.CancellationToken);
        var database = await pair.CreateDatabaseAsync("failover");
        await using var dataSource = pair.DataSource(database);
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby });
        var group = await PortfolioGroup.AddAsync(store, "g", "Group");
        var started = total.Elapsed;

        var acknowledged = new ConcurrentBag<(string Id, long At)>();
        var failed = new ConcurrentBag<(string Id, long StartedAt, TransientStorageException Error)>();
        var unexpected = new ConcurrentBag<Exception>();
        var reads = 0;
        var readFailures = new ConcurrentBag<Exception>();
        long killedAt = long.MaxValue, promotedAt = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var next = 0;

        async Task WriteAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var id = $"w{Interlocked.Increment(ref next)}";
                var at = Stopwatch.GetTimestamp();
                try
                {
                    // Every other write is a transaction of two calls, committed together.
                    if (Volatile.Read(ref next) % 2 == 0)
                    {
                        await using var transaction = await store.BeginTransactionAsync();
                        var portfolio = await Portfolio.AddAsync(transaction.Store, id);
                        await PortfolioGroup.AddPortfolioAsync(transaction.Store, group, portfolio);
                        await transaction.CommitAsync();
                    }
                    else
                    {
                        await PortfolioGroup.AddPortfolioAsync(store, group, await Portfolio.AddAsync(store, id));
                    }

                    acknowledged.Add((id, Stopwatch.GetTimestamp()));
                }
                catch (TransientStorageException ex)
                {
                    failed.Add((id, at, ex));
                    await Task.Delay(20);
                }
                catch (Exception ex)
                {
                    unexpected.Add(ex);
                }
            }
        }

        async Task ReadAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await PortfolioGroup.CountPortfoliosAsync(store, [group]);
                    await Portfolio.FilterPageAsync(store, null, PageRequest.First(20));
                    Interlocked.Increment(ref reads);
                }
                catch (Exception ex)
                {
                    readFailures.Add(ex);
                }
            }
        }

        var workers = Enumerable.Range(0, 3).Select(_ => Task.Run(WriteAsync)).Concat(Enumerable.Range(0, 3).Select(_ => Task.Run(ReadAsync))).ToArray();
        await Task.Delay(1000);
        await pair.Primary.KillAsync();
        killedAt = Stopwatch.GetTimestamp();
        var readsBeforeGap = Volatile.Read(ref reads);
        await Task.Delay(1000);

        // On a loaded machine the readers may not have been scheduled within the second: give them
        // up to ten before the standby is promoted.
        var gap = Stopwatch.StartNew();
        while (Volatile.Read(ref reads) == readsBeforeGap && gap.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var readsInGap = Volatile.Read(ref reads) - readsBeforeGap;
        await pair.Standby.PromoteAsync();
        promotedAt = Stopwatch.GetTimestamp();

        // Writes resume on the promoted standby without reopening the store.
        var deadline = Stopwatch.StartNew();
        while (!acknowledged.Any(a => a.At > promotedAt) && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        // What the new primary holds.
        var present = (await Portfolio.FilterAsync(store)).Select(p => p.UniqueIdentifier).ToHashSet();
        var members = (await PortfolioGroup.CountPortfoliosAsync(store, [group]))[group.Uid];
        var lost = acknowledged.Count(a => !present.Contains(a.Id));
        var inGap = failed.Where(f => f.StartedAt > killedAt).ToList();
        var writtenInGap = inGap.Count(f => present.Contains(f.Id) && f.StartedAt < promotedAt);
        var inDoubt = failed.Where(f => f.StartedAt <= killedAt).ToList();
        await TestContext.Out.WriteLineAsync(
            $"Failover: writes acknowledged {acknowledged.Count} ({acknowledged.Count(a => a.At > promotedAt)} after promotion), failed {failed.Count} "
            + $"({inGap.Count} started in the gap, {inDoubt.Count} in flight at the kill, of which {inDoubt.Count(f => present.Contains(f.Id))} had committed their portfolio before the connection was lost), rows lost {lost}; "
            + $"reads {reads} ({readsInGap} while the primary was down), read failures {readFailures.Count}; "
            + $"{(promotedAt - killedAt) * 1000 / Stopwatch.Frequency} ms from kill to promoted; test {total.Elapsed.TotalSeconds:0.0} s (servers {started.TotalSeconds:0.0} s).");

        unexpected.Should().BeEmpty();
        failed.Should().NotBeEmpty("writes fail while there is no primary");
        failed.Should().OnlyContain(f => f.Error.ConnectionLost);
        writtenInGap.Should().Be(0, "a write that failed while there was no primary wrote nothing");
        lost.Should().Be(0, "every acknowledged write is on the promoted standby");
        acknowledged.Should().Contain(a => a.At > promotedAt, "writes succeed on the new primary without reopening the store");
        readFailures.Should().BeEmpty("reads go on from the standby throughout");
        readsInGap.Should().BePositive();
        members.Should().BeGreaterThanOrEqualTo(acknowledged.Count);
    }
}
