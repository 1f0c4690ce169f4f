using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// The bulk writes: memberships (AddManyAsync, AddPortfoliosAsync, SetPortfoliosAsync), upserts of
/// portfolios and groups, and the portfolios' bulk delete. Any input size, streamed, one transaction.
/// </summary>
/// <remarks>
/// The fixture seeds <see cref="SeededPortfolios"/> portfolios once (plain SQL); each test uses its
/// own groups, so tests share the portfolios without disturbing each other.
/// </remarks>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed partial class BulkWriteTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int SeededPortfolios = 100_000;

    private string[] _portfolioIds = [];
    private Guid[] _portfolioUids = [];

    [OneTimeSetUp]
    public async Task SeedFixturePortfoliosAsync()
    {
        _portfolioIds = [.. Enumerable.Range(0, SeededPortfolios).Select(i => $"bw-{i:D6}")];
        _portfolioUids = await SeedPortfoliosAsync(_portfolioIds);
    }

    [Test]
    public async Task AddMany_adds_40000_pairs_in_one_call_and_reports_progress_in_rows_consumed()
    {
        var groups = await GroupsAsync("forty", 4);
        var pairs = groups.SelectMany(g => _portfolioIds.Take(10_000).Select(p => ((PortfolioGroupRef)g.UniqueIdentifier, (PortfolioRef)p)));
        var progress = new RecordingProgress();

        var result = await PortfolioGroupMembership.AddManyAsync(Store, pairs, progress);

        result.Should().Be(new BulkAddResult(40_000, 0));
        foreach (var group in groups)
        {
            (await MembersAsync(group.Uid)).Should().Be(10_000);
        }

        progress.Reports.Should().NotBeEmpty().And.BeInAscendingOrder();
        progress.Reports[^1].Should().Be(40_000);
    }

    [Test]
    public async Task AddMany_of_100000_pairs_runs_commands_that_grow_with_batches_not_rows()
    {
        var small = await GroupsAsync("cmd-small", 1);
        var large = await GroupsAsync("cmd-large", 1);
        using var counter = new CommandCounter();

        var smallCommands = await counter.RecordAsync(() =>
            PortfolioGroupMembership.AddManyAsync(Store, _portfolioUids.Take(1_000).Select(p => ((PortfolioGroupRef)small[0].Uid, (PortfolioRef)p))));
        var stopwatch = Stopwatch.StartNew();
        BulkAddResult? result = null;
        var largeCommands = await counter.RecordAsync(async () =>
            result = await PortfolioGroupMembership.AddManyAsync(Store, _portfolioUids.Select(p => ((PortfolioGroupRef)large[0].Uid, (PortfolioRef)p))));
        stopwatch.Stop();
        await TestContext.Progress.WriteLineAsync($"{Db}: AddManyAsync of 100,000 pairs took {stopwatch.ElapsedMilliseconds} ms in {largeCommands.Count} commands.");

        result.Should().Be(new BulkAddResult(SeededPortfolios, 0));
        (await MembersAsync(large[0].Uid)).Should().Be(SeededPortfolios);
        var smallLoads = smallCommands.Count(IsLoad);
        var largeLoads = largeCommands.Count(IsLoad);
        smallLoads.Should().Be(1, "1,000 rows fit in one batch");
        largeLoads.Should().BeInRange(2, 20, "100,000 rows travel in a few batches");
        (largeCommands.Count - largeLoads).Should().Be(smallCommands.Count - smallLoads, "besides the batches, the number of statements is fixed");
        largeCommands.Count.Should().BeLessThan(40);

        static bool IsLoad(Activity a) => a.OperationName == "portfolio_group_membership.bulk_load";
    }

    [Test]
    // Tens of seconds, in every run. Alone: another test's allocations would count in the working set.
    // On a database of its own: a million rows left in the fixture's tables would leave their
    // statistics stale for the tests after it, which is not what those tests are about.
    [NonParallelizable]
    public async Task AddMany_of_a_million_pairs_stays_within_200_MB_above_the_baseline()
    {
        if (IsHostMode)
        {
            Assert.Ignore("a library-mode measure on a database of its own: the host fixture would only repeat it");
        }

        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        Guid[] portfolios;
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            portfolios = await Seed.RowsAsync(connection, Db, Table("portfolio"), _portfolioIds);
        }

        var groups = new PortfolioGroup[10];
        for (var i = 0; i < groups.Length; i++)
        {
            groups[i] = await PortfolioGroup.AddAsync(store, $"million-{i}", "million");
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = 0;
        var progress = new RecordingProgress(_ =>
        {
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64 - baseline);
        });
        // Generated as it is consumed: the input itself is never a list of a million pairs.
        var pairs = groups.SelectMany(g => portfolios.Select(p => ((PortfolioGroupRef)g.Uid, (PortfolioRef)p)));

        var stopwatch = Stopwatch.StartNew();
        var result = await PortfolioGroupMembership.AddManyAsync(store, pairs, progress);
        process.Refresh();
        peak = Math.Max(peak, process.WorkingSet64 - baseline);
        await TestContext.Progress.WriteLineAsync(
            $"{Db}: AddManyAsync of 1,000,000 pairs took {stopwatch.Elapsed.TotalSeconds:F1} s; working set peaked {peak / (1024 * 1024)} MB above the baseline.");

        result.Should().Be(new BulkAddResult(1_000_000, 0));
        peak.Should().BeLessThan(200L * 1024 * 1024);
    }

    [Test]
    public async Task AddMany_counts_duplicates_in_the_input_once_however_they_are_named()
    {
        var groups = await GroupsAsync("dups", 2);
        await PortfolioGroup.AddPortfolioAsync(Store, groups[0], _portfolioIds[0]);
        await PortfolioGroup.AddPortfolioAsync(Store, groups[0], _portfolioIds[1]);
        var g0 = groups[0];
        var g1 = groups[1];

        // Pairs 0 and 1 of g0 exist; pair (g0, 2) is named three ways; (g1, 0) twice.
        (PortfolioGroupRef, PortfolioRef)[] pairs =
        [
            (g0, _portfolioIds[0]), (g0.Uid, _portfolioUids[1]), (g0.UniqueIdentifier, _portfolioIds[2]),
            (g0, _portfolioUids[2]), (g0.Uid, _portfolioIds[2]), (g1, _portfolioIds[0]), (g1.UniqueIdentifier, _portfolioUids[0]),
            (g0, _portfolioIds[1]),
        ];

        var result = await PortfolioGroupMembership.AddManyAsync(Store, pairs);

        result.Should().Be(new BulkAddResult(Added: 2, AlreadyPresent: 2));
        (await MembersAsync(g0.Uid)).Should().Be(3);
        (await MembersAsync(g1.Uid)).Should().Be(1);
    }

    [Test]
    public async Task AddMany_with_unknown_references_writes_nothing_and_lists_the_first_few_and_the_count()
    {
        var group = (await GroupsAsync("unknown", 1))[0];
        var missing = Enumerable.Range(0, 7).Select(i => $"bw-missing-{i}").ToArray();
        // 40,000 good pairs with the 7 unknown portfolios spread through them, one of them twice.
        var pairs = _portfolioIds.Take(40_000).Select(p => (PortfolioRef)p).ToList();
        for (var i = 0; i < missing.Length; i++)
        {
            pairs.Insert(i * 5_000, missing[i]);
        }

        pairs.Add(missing[3]);

        var add = () => PortfolioGroupMembership.AddManyAsync(Store, pairs.Select(p => ((PortfolioGroupRef)group.Uid, p)));

        var error = (await add.Should().ThrowAsync<RowNotFoundException>()).Which;
        error.Table.Should().Be("Portfolio");
        error.KeyName.Should().Be("unique_identifier");
        error.KeyValue.Should().Be("bw-missing-0, bw-missing-1, bw-missing-2, bw-missing-3, bw-missing-4 and 2 more: 7 missing references");
        error.Message.Should().Be(
            "No Portfolio row has unique_identifier 'bw-missing-0', 'bw-missing-1', 'bw-missing-2', 'bw-missing-3' or 'bw-missing-4'; "
            + "2 more are not listed (7 missing references in all).");
        (await MembersAsync(group.Uid)).Should().Be(0, "nothing is written when a reference is missing");
    }

    [Test]
    public async Task AddMany_with_unknown_groups_and_portfolios_names_both_tables_and_each_key()
    {
        var group = (await GroupsAsync("unknown-mixed", 1))[0];
        var ghostPortfolio = Guid.CreateVersion7();
        (PortfolioGroupRef, PortfolioRef)[] pairs =
        [
            (group, _portfolioIds[0]),
            ("bw-no-such-group", _portfolioIds[1]),
            (group, ghostPortfolio),
        ];

        var add = () => PortfolioGroupMembership.AddManyAsync(Store, pairs);

        var error = (await add.Should().ThrowAsync<RowNotFoundException>()).Which;
        error.Table.Should().Be("PortfolioGroup or Portfolio");
        error.KeyValue.Should().Be($"PortfolioGroup unique_identifier bw-no-such-group, Portfolio uid {ghostPortfolio}: 2 missing references");
        error.Message.Should().Be(
            $"No PortfolioGroup row has unique_identifier 'bw-no-such-group'; no Portfolio row has uid '{ghostPortfolio}' (2 missing references in all).",
            "the message is a sentence: which group references and which portfolio references name no row, and how many in all");
        (await MembersAsync(group.Uid)).Should().Be(0);
    }

    [Test]
    public async Task AddMany_from_an_async_stream_adds_every_pair()
    {
        var group = (await GroupsAsync("async", 1))[0];
        var progress = new RecordingProgress();

        var result = await PortfolioGroupMembership.AddManyAsync(Store, StreamAsync(), progress);

        result.Should().Be(new BulkAddResult(40_000, 0));
        (await MembersAsync(group.Uid)).Should().Be(40_000);
        progress.Reports[^1].Should().Be(40_000);

        async IAsyncEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> StreamAsync()
        {
            for (var i = 0; i < 40_000; i++)
            {
                if (i % 1_000 == 0)
                {
                    await Task.Yield();
                }

                yield return (group.UniqueIdentifier, _portfolioUids[i]);
            }
        }
    }

    [Test]
    public async Task AddMany_cancelled_midway_writes_nothing()
    {
        var group = (await GroupsAsync("cancel", 1))[0];
        using var cancellation = new CancellationTokenSource();
        // Cancelled once the first batch is in the database, long before the input ends.
        var progress = new RecordingProgress(_ => cancellation.Cancel());

        var add = () => PortfolioGroupMembership.AddManyAsync(Store, _portfolioUids.Select(p => ((PortfolioGroupRef)group, (PortfolioRef)p)), progress, cancellation.Token);

        await add.Should().ThrowAsync<OperationCanceledException>();
        progress.Reports.Should().NotBeEmpty().And.OnlyContain(n => n < SeededPortfolios, "the call stopped midway");
        (await MembersAsync(group.Uid)).Should().Be(0);
        // The connection went back to the pool clean: the next call works.
        (await PortfolioGroupMembership.AddManyAsync(Store, [(group, _portfolioIds[0])])).Should().Be(new BulkAddResult(1, 0));
    }

    [Test]
    public async Task AddMany_racing_a_delete_of_its_group_either_lands_whole_or_fails_clearly([Values] bool groupByUid)
    {
        for (var round = 0; round < 3; round++)
        {
            var group = (await GroupsAsync($"race{round}", 1))[0];
            await using var other = await OpenStoreAsync(ConnectionString, new PortfolioStoreOptions { MigrateOnOpen = false });
            var deleting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var progress = new RecordingProgress(_ => deleting.TrySetResult());
            // By uid, the pairs go straight to the insert; by identifier, they are resolved first.
            PortfolioGroupRef named = groupByUid ? group.Uid : group.UniqueIdentifier;
            var pairs = _portfolioUids.Take(40_000).Select(p => (named, (PortfolioRef)p));

            var add = Task.Run(() => PortfolioGroupMembership.AddManyAsync(Store, pairs, progress));
            // The delete starts while the input streams in (after the first batch), or right away
            // in later rounds, when the add may not have begun.
            if (round == 0)
            {
                await Task.WhenAny(deleting.Task, add);
            }

            var deleted = await PortfolioGroup.DeleteAsync(other, group.Uid);
            Exception? failure = null;
            BulkAddResult? result = null;
            try
            {
                result = await add;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            deleted.Should().BeTrue();
            if (failure is null)
            {
                result.Should().Be(new BulkAddResult(40_000, 0), "a call that succeeded added every pair");
            }
            else
            {
                failure.Should().BeOfType<RowNotFoundException>().Which.Table.Should().Be("PortfolioGroup");
            }

            (await MembersAsync(group.Uid)).Should().Be(0, "the group is gone, and its memberships with it");
        }
    }

    [Test]
    public async Task AddMany_refuses_a_null_input_and_a_pair_that_names_nothing_with_its_position()
    {
        var group = (await GroupsAsync("args", 1))[0];

        (await FluentActions.Awaiting(() => PortfolioGroupMembership.AddManyAsync(Store, (IEnumerable<(PortfolioGroupRef, PortfolioRef)>)null!))
            .Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("pairs");
        (await FluentActions.Awaiting(() => PortfolioGroupMembership.AddManyAsync(Store, [(group, _portfolioIds[0]), (group, _portfolioIds[1]), (group, (string)null!)]))
            .Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("pairs[2].Portfolio");
        (await MembersAsync(group.Uid)).Should().Be(0);
    }

    /// <summary>Adds <paramref name="count"/> groups for one test.</summary>
    private async Task<PortfolioGroup[]> GroupsAsync(string name, int count)
    {
        var groups = new PortfolioGroup[count];
        for (var i = 0; i < count; i++)
        {
            groups[i] = await PortfolioGroup.AddAsync(Store, Unique($"bw-{name}-{i}"), name);
        }

        return groups;
    }

    /// <summary>The number of memberships of a group, read with plain SQL.</summary>
    private async Task<long> MembersAsync(Guid group)
    {
        await using var connection = await OpenPlainConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {Table("portfolio_group_membership")} WHERE portfolio_group_uid = @group",
            new { group = UidValue(group) });
    }

    /// <summary>A uid as a plain SQL parameter: canonical text on SQLite.</summary>
    private object UidValue(Guid uid) => Db == Db.Sqlite ? uid.ToString("D") : uid;

    /// <summary>Records every report, as it is made (no synchronization context in between).</summary>
    private sealed class RecordingProgress(Action<long>? onReport = null) : IProgress<long>
    {
        private readonly ConcurrentQueue<long> _reports = new();

        public List<long> Reports => [.. _reports];

        public void Report(long value)
        {
            _reports.Enqueue(value);
            onReport?.Invoke(value);
        }
    }
}
