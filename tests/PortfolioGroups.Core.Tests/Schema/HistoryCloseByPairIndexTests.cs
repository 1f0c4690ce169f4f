using Dapper;
using PortfolioGroups.Migrations;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120302: the history's delete and update triggers find a membership's open interval
/// in its pair's range of the (group, portfolio) index, and the <c>membership_uid</c> index is
/// dropped. The lookup's plan, the triggers' SQL, and <c>Down()</c> putting the index and the earlier
/// lookup back. That only the membership's own interval is closed, not an earlier one of the same
/// pair left open by a group's deletion, is <see cref="GroupDeletionHistoryTests"/>' group made
/// again with the same uid.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class HistoryCloseByPairIndexTests(Db db, PortfolioMode portfolioMode) : HistoryDatabaseTest(db, portfolioMode)
{
    private const long Version = M2026120302_HistoryCloseByPairIndex.Version;

    private const string PairIndex = M2026120303_HistoryCloseLatestOfPair.EarlierPairIndex;

    /// <summary>This version and those after it.</summary>
    private static long[] FromVersion => MigrationTests.From(Version);

    private string History => Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);

    [Test]
    public async Task A_removed_or_moved_membership_is_closed_through_the_pair_index_and_down_puts_the_membership_uid_index_back()
    {
        // At this version: 2026120303 replaced its index and lookup (HistoryCloseLatestOfPairTests).
        (await Store.MigrateDownAsync(Version)).Ran.Should().Equal(FromVersion.Where(v => v > Version).Reverse());
        (await HistoryIndexesAsync()).Should().Contain(PairIndex).And.NotContain(M2026120302_HistoryCloseByPairIndex.MembershipIndex);
        SchemaModel.PortfolioGroupMembershipHistory.Indexes.Select(i => i.Name).Should().NotContain(M2026120302_HistoryCloseByPairIndex.MembershipIndex);
        (await LookupPlanAsync()).Should().Contain(PairIndex, "the triggers' lookup of an open interval reads its pair's range");
        (await CloseTriggerSourcesAsync()).Should().HaveCount(2).And.OnlyContain(s => s.Contains(M2026120302_HistoryCloseByPairIndex.ByPair(Db == Db.Sqlite ? "" : "hh.", Db == Db.Sqlite ? "OLD" : "o"), StringComparison.Ordinal));
        await RemoveAndMoveAsync();

        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(Version);
        (await HistoryIndexesAsync()).Should().Contain([PairIndex, M2026120302_HistoryCloseByPairIndex.MembershipIndex]);
        (await CloseTriggerSourcesAsync()).Should().HaveCount(2).And.OnlyContain(
            s => s.Contains(Db == Db.Sqlite ? "WHERE membership_uid = OLD.uid AND valid_to IS NULL" : "WHERE hh.membership_uid = o.uid AND hh.valid_to IS NULL", StringComparison.Ordinal),
            "Down puts the lookup through the membership_uid index back");
        await RemoveAndMoveAsync();

        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await HistoryIndexesAsync()).Should().NotContain([M2026120302_HistoryCloseByPairIndex.MembershipIndex, PairIndex]);
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        await RemoveAndMoveAsync();

        if (Db != Db.Sqlite)
        {
            (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[1])).Should().Contain("jit=off", "the delete function keeps 2026120206's setting");
        }
    }

    /// <summary>A test that failed between migrating down and up leaves the fixture's database migrated for the next.</summary>
    [TearDown]
    public async Task MigrateUpAgainAsync() => await Store.MigrateAsync();

    /// <summary>
    /// Two memberships of a new group: one removed, one moved to a second group; each closes its
    /// own interval only, the move opens one in the second group, and the as-of reads follow.
    /// </summary>
    private async Task RemoveAndMoveAsync()
    {
        var from = await PortfolioGroup.AddAsync(Store, Unique("pair-g"));
        var to = await PortfolioGroup.AddAsync(Store, Unique("pair-g"));
        var portfolios = await SeedPortfoliosAsync([Unique("pair-p"), Unique("pair-p"), Unique("pair-p")]);
        (await PortfolioGroup.AddPortfoliosAsync(Store, from.Uid, portfolios.Select(p => (PortfolioRef)p))).Added.Should().Be(3);
        var before = await NowAsync();
        (await PortfolioGroup.RemovePortfolioAsync(Store, from.Uid, portfolios[0])).Should().BeTrue();
        await using (var connection = await OpenPlainConnectionAsync())
        {
            var moved = await connection.ExecuteAsync(
                $"UPDATE {Table("portfolio_group_membership")} SET portfolio_group_uid = {UidLiteral(to.Uid)} WHERE portfolio_group_uid = {UidLiteral(from.Uid)} AND portfolio_uid = {UidLiteral(portfolios[1])}");
            moved.Should().Be(1);
        }

        var after = await NowAsync();
        var log = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = from.Uid });
        log.Should().HaveCount(3);
        log.Where(i => i.ValidTo is not null).Select(i => i.PortfolioUid).Should().BeEquivalentTo([portfolios[0], portfolios[1]]);
        log.Single(i => i.ValidTo is null).PortfolioUid.Should().Be(portfolios[2]);
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = to.Uid })).Should().ContainSingle()
            .Which.Should().Match<MembershipInterval>(i => i.PortfolioUid == portfolios[1] && i.ValidTo == null);
        (await PortfolioGroup.GetPortfoliosAsync(Store, from.Uid, before)).Should().HaveCount(3);
        (await PortfolioGroup.GetPortfoliosAsync(Store, from.Uid, after)).Select(i => i.PortfolioUid).Should().Equal(portfolios[2]);
        (await PortfolioGroup.GetPortfoliosAsync(Store, to.Uid, after)).Select(i => i.PortfolioUid).Should().Equal(portfolios[1]);
    }

    /// <summary>An instant after every change so far and before every later one, by the database's own clock (SQLite's millisecond ticks on).</summary>
    private static async Task<DateTimeOffset> NowAsync()
    {
        await Task.Delay(5);
        var now = DateTimeOffset.UtcNow;
        await Task.Delay(5);
        return now;
    }

    /// <summary>The plan of the triggers' lookup of one membership's open interval, with literal values (sequential scans off on PostgreSQL, whose test tables are small).</summary>
    private async Task<string> LookupPlanAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var (g, p, m) = (UidLiteral(Guid.CreateVersion7()), UidLiteral(Guid.CreateVersion7()), UidLiteral(Guid.CreateVersion7()));
        var where = $"hh.portfolio_group_uid = {g} AND hh.portfolio_uid = {p} AND hh.membership_uid = {m} AND hh.valid_to IS NULL";
        if (Db == Db.Sqlite)
        {
            var rows = await connection.QueryAsync($"EXPLAIN QUERY PLAN SELECT hh.history_id FROM {History} hh WHERE {where}");
            return string.Join("\n", rows.Select(r => (string)((IDictionary<string, object>)r)["detail"]));
        }

        await connection.ExecuteAsync("SET enable_seqscan = off");
        var plan = string.Join("\n", await connection.QueryAsync<string>($"EXPLAIN SELECT hh.history_id FROM {History} hh WHERE {where}"));
        await connection.ExecuteAsync("RESET enable_seqscan");
        return plan;
    }

    private async Task<List<string>> HistoryIndexesAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        return Db == Db.Sqlite
            ? [.. await connection.QueryAsync<string>($"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{SchemaModel.PortfolioGroupMembershipHistory.PhysicalName}'")]
            : [.. await connection.QueryAsync<string>(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = @schema AND tablename = @table",
                new { schema = PostgresSchema, table = SchemaModel.PortfolioGroupMembershipHistory.PhysicalName })];
    }
}
