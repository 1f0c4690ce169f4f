using System.Data.Common;
using Dapper;
using PortfolioGroups.Migrations;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120303: the history's delete and update triggers close a membership's interval as
/// its pair's latest, read backwards in the (group, portfolio, history_id) index, and on PostgreSQL
/// their functions never plan a sequential scan. Deterministic, not timed: the history rows a removal
/// reads (by index or by a scan) and the history's sequential scans within the writing transaction
/// (<c>pg_stat_xact_user_tables</c>) are counted at 2026120302 and after this version, on the same
/// data. SQLite: the plan of the triggers' lookup.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class HistoryCloseLatestOfPairTests(Db db, PortfolioMode portfolioMode) : HistoryDatabaseTest(db, portfolioMode)
{
    private const long Version = M2026120303_HistoryCloseLatestOfPair.Version;

    /// <summary>This version and the later ones, which migrating down to the one before reverts.</summary>
    private static long[] FromVersion => MigrationTests.From(Version);

    /// <summary>How many times the churned pair is added and removed before the measured removal.</summary>
    private const int Rounds = 300;

    private string History => Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);

    private string Membership => Table("portfolio_group_membership");

    [Test]
    public async Task Removing_a_pair_added_and_removed_many_times_reads_its_latest_interval_only()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("churn-g"));
        var portfolio = (await SeedPortfoliosAsync([Unique("churn-p")]))[0];
        await using (var connection = await OpenPlainConnectionAsync())
        {
            for (var i = 0; i < Rounds; i++)
            {
                await AddPairAsync(connection, group.Uid, portfolio);
                (await connection.ExecuteAsync($"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group.Uid)}")).Should().Be(1);
            }
        }

        if (Db == Db.Sqlite)
        {
            (await CloseTriggerSourcesAsync()).Should().HaveCount(2).And.OnlyContain(s => s.Contains("ORDER BY history_id DESC LIMIT 1", StringComparison.Ordinal));
            var plan = await SqliteLookupPlanAsync(group.Uid, portfolio);
            plan.Should().Contain(M2026120303_HistoryCloseLatestOfPair.PairIndex, "the lookup reads the pair's range of the index");
            plan.Should().NotContain("TEMP B-TREE", "the index gives the intervals latest first, with nothing to sort");
            (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
            (await CloseTriggerSourcesAsync()).Should().OnlyContain(s => !s.Contains("LIMIT 1", StringComparison.Ordinal));
            (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
            await RemoveAndCheckAsync(group.Uid, portfolio, Rounds + 1);
            return;
        }

        // Statistics as autovacuum leaves them after the churn, so each run plans alike: the pair is
        // most of the history, and at 2026120302 a sequential scan is the cheaper plan.
        await using (var connection = await OpenPlainConnectionAsync())
        {
            await connection.ExecuteAsync($"ANALYZE {History}");
        }

        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        (await RemovalHistoryReadsAsync(group.Uid, portfolio)).Should().BeGreaterThanOrEqualTo(Rounds, "at 2026120302 a removal reads every interval its pair ever had, by the pair's index or by a scan of the whole history");
        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await RemovalHistoryReadsAsync(group.Uid, portfolio)).Should().BeLessThanOrEqualTo(3, "the pair's latest interval is the open one: the lookup reads it and the update finds it by primary key");
        await RemoveAndCheckAsync(group.Uid, portfolio, Rounds + 3);
    }

    [Test]
    public async Task A_session_that_first_removed_while_the_history_was_small_never_reads_the_whole_history_once_it_is_large()
    {
        if (Db == Db.Sqlite)
        {
            Assert.Ignore("PostgreSQL: a trigger function's plans are kept by its session; SQLite's triggers look up by index whatever the table's size.");
        }

        if (IsHostMode)
        {
            Assert.Ignore("The plan of the close does not depend on whose portfolio table it is: the library's fixtures show it.");
        }

        // At 2026120302, then at this version, each on a new database, whose history starts small.
        (await SequentialScansOnceLargeAsync(M2026120302_HistoryCloseByPairIndex.Version)).Should().BeGreaterThan(0, "at 2026120302 the session keeps the plan it made when the history was small");
        (await SequentialScansOnceLargeAsync(Version)).Should().Be(0, "the functions run with sequential scans off");
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[1])).Should().Be("jit=off,enable_seqscan=off,enable_bitmapscan=off,enable_sort=off");
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[2])).Should().StartWith("enable_seqscan=off,enable_bitmapscan=off,enable_sort=off", "2026120401 adds to them (HistoryInsertIndexPlansTests)");
    }

    /// <summary>A test that failed between migrating down and up leaves the fixture's database migrated for the next.</summary>
    [TearDown]
    public async Task MigrateUpAgainAsync() => await Store.MigrateAsync();

    private async Task AddPairAsync(DbConnection connection, Guid group, Guid portfolio) =>
        (await connection.ExecuteAsync(
            $"INSERT INTO {Membership} (uid, portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(Guid.CreateVersion7())}, {UidLiteral(group)}, {UidLiteral(portfolio)})")).Should().Be(1);

    /// <summary>
    /// Adds the pair once more and removes it in a transaction; the history rows its trigger read,
    /// fetched through an index or read by a sequential scan.
    /// </summary>
    private async Task<long> RemovalHistoryReadsAsync(Guid group, Guid portfolio)
    {
        const string rowsRead = "idx_tup_fetch + seq_tup_read";
        await using var connection = await OpenPlainConnectionAsync();
        await AddPairAsync(connection, group, portfolio);
        await using var transaction = await connection.BeginTransactionAsync();
        var reads = -await HistoryStatAsync(connection, transaction, rowsRead);
        (await connection.ExecuteAsync($"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group)}", transaction: transaction)).Should().Be(1);
        reads += await HistoryStatAsync(connection, transaction, rowsRead);
        await transaction.CommitAsync();
        return reads;
    }

    /// <summary>
    /// On a new database migrated to <paramref name="version"/>: one session removes a membership
    /// ten times while the history holds a few rows (its plans made then), the history then grows to
    /// 20,000 closed intervals, and the same session removes one more; the history's sequential scans
    /// by that removal.
    /// </summary>
    private async Task<long> SequentialScansOnceLargeAsync(long version)
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        if (version < Version)
        {
            (await store.MigrateDownAsync(version)).Ran.Should().Equal(FromVersion.Reverse());
        }

        var group = await PortfolioGroup.AddAsync(store, Unique("plan-g"));
        var portfolio = await Portfolio.AddAsync(store, Unique("plan-p"));
        await using var session = await OpenPlainConnectionAsync(connectionString);

        // An analyze while the history grows would make the session plan again and hide the plan it kept.
        await session.ExecuteAsync($"ALTER TABLE {History} SET (autovacuum_enabled = off)");
        for (var i = 0; i < 10; i++)
        {
            await AddPairAsync(session, group.Uid, portfolio.Uid);
            (await session.ExecuteAsync($"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group.Uid)}")).Should().Be(1);
        }

        await using (var other = await OpenPlainConnectionAsync(connectionString))
        {
            await other.ExecuteAsync(
                $"INSERT INTO {History} (membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from, valid_to) "
                + "SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'g', 'p', now() - interval '1 day', now() - interval '1 hour' FROM generate_series(1, 20000)");
        }

        await AddPairAsync(session, group.Uid, portfolio.Uid);
        await using var transaction = await session.BeginTransactionAsync();
        var scans = -await HistoryStatAsync(session, transaction, "seq_scan");
        (await session.ExecuteAsync($"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group.Uid)}", transaction: transaction)).Should().Be(1);
        scans += await HistoryStatAsync(session, transaction, "seq_scan");
        await transaction.CommitAsync();

        var log = await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = group.Uid });
        log.Should().HaveCount(11).And.OnlyContain(i => i.ValidTo != null, "every removal closed its interval");
        return scans;
    }

    /// <summary>Adds the pair once more, removes it through the library, and checks the pair's history: every interval closed, and as many as were opened.</summary>
    private async Task RemoveAndCheckAsync(Guid group, Guid portfolio, int intervals)
    {
        await PortfolioGroup.AddPortfolioAsync(Store, group, portfolio);
        (await PortfolioGroup.RemovePortfolioAsync(Store, group, portfolio)).Should().BeTrue();
        var log = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group });
        log.Should().HaveCount(intervals).And.OnlyContain(i => i.ValidTo != null && i.PortfolioUid == portfolio);
    }

    /// <summary>SQLite's plan of the triggers' lookup of a pair's open interval, with literal values.</summary>
    private async Task<string> SqliteLookupPlanAsync(Guid group, Guid portfolio)
    {
        await using var connection = await OpenPlainConnectionAsync();
        var rows = await connection.QueryAsync(
            $"EXPLAIN QUERY PLAN SELECT history_id FROM {History} WHERE {M2026120303_HistoryCloseLatestOfPair.Pair("", "m")} ORDER BY history_id DESC LIMIT 1"
                .Replace("m.portfolio_group_uid", UidLiteral(group), StringComparison.Ordinal)
                .Replace("m.portfolio_uid", UidLiteral(portfolio), StringComparison.Ordinal));
        return string.Join("\n", rows.Select(r => (string)((IDictionary<string, object>)r)["detail"]));
    }
}
