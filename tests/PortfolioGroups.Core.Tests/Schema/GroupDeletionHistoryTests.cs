using System.Data.Common;
using System.Globalization;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120206: a group's deletion is one row of <c>portfolio_group_deletion_history</c>
/// that ends all its open intervals at once; the intervals' <c>valid_to</c> is not written. Every
/// read (as of an instant, the change log, counts, set filters) shows them ended at the deletion's
/// instant; a group made again with the same uid has its new intervals open; Down writes the ended
/// intervals' <c>valid_to</c>; prune removes a deleted group's intervals and its deletion row.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class GroupDeletionHistoryTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const long Version = 2026120206;

    private const int Members = 30;

    /// <summary>This version and every later one: what migrating below it reverts and up again applies.</summary>
    private static IEnumerable<long> FromVersion => MigrationTests.From(Version);

    private string History => Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);

    private string Deletions => Table(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName);

    private string Groups => Table("portfolio_group");

    private string Membership => Table("portfolio_group_membership");

    /// <summary>A test that failed between migrating down and up leaves the fixture's database migrated for the next.</summary>
    [TearDown]
    public async Task MigrateUpAgainAsync() => await Store.MigrateAsync();

    [Test]
    public async Task Deleting_a_group_writes_one_deletion_row_and_updates_no_interval_where_2026120205_updated_every_one()
    {
        // The defect, at 2026120205: the cascade closes each open interval in place.
        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        var (oldGroup, _, _) = await GroupWithMembersAsync();
        (await DeleteGroupAsync(oldGroup)).Should().Be(Members, "2026120205 updates every open interval of the group");
        (await RawOpenAsync(oldGroup)).Should().Be(0);

        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        var (group, _, _) = await GroupWithMembersAsync();
        (await DeleteGroupAsync(group)).Should().Be(0, "the deletion is one row; no interval is updated");
        (await RawOpenAsync(group)).Should().Be(Members, "the intervals keep valid_to null");
        var deletion = (await DeletionRowsAsync(group)).Should().ContainSingle().Subject;
        deletion.LastHistoryId.Should().Be(await MaxHistoryIdAsync(group), "the largest history_id of the group when it went");
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    [Test]
    public async Task Every_read_shows_a_deleted_groups_intervals_ended_at_the_deletion_instant()
    {
        var (group, identifier, portfolios) = await GroupWithMembersAsync();
        var other = await PortfolioGroup.AddAsync(Store, Unique("other"), "Other");
        await PortfolioGroup.AddPortfoliosAsync(Store, other.Uid, portfolios.Take(10).Select(p => (PortfolioRef)p));

        // One interval closed in place before the deletion: a removal while the group exists.
        (await PortfolioGroup.RemovePortfolioAsync(Store, group, portfolios[0])).Should().BeTrue();
        var removed = (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group, Portfolio = portfolios[0] })).Single().ValidTo!.Value;
        await Task.Delay(20);
        (await PortfolioGroup.DeleteAsync(Store, group)).Should().BeTrue();
        (await RawOpenAsync(group)).Should().Be(Members - 1, "the deletion wrote no valid_to");

        var deletedAt = (await DeletionRowsAsync(group)).Single().DeletedAt;
        var before = deletedAt.AddMilliseconds(-1);
        var after = deletedAt.AddSeconds(1);
        var live = Members - 1;

        // A group's portfolios as of an instant: by uid and by the identifier it had, listed, streamed, paged.
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, before)).Should().HaveCount(live);
        (await PortfolioGroup.GetPortfoliosAsync(Store, identifier, before)).Should().HaveCount(live);
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, before)).Should().OnlyContain(i => i.ValidTo == deletedAt, "each in-force interval reports its end: the deletion");
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, deletedAt)).Should().BeEmpty();
        (await PortfolioGroup.GetPortfoliosAsync(Store, identifier, deletedAt)).Should().BeEmpty();
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, after)).Should().BeEmpty();
        (await PortfolioGroup.StreamPortfoliosAsync(Store, group, before).CountAsync()).Should().Be(live);
        (await PortfolioGroup.StreamPortfoliosAsync(Store, group, deletedAt).CountAsync()).Should().Be(0);
        (await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, group, before, new OffsetPageRequest { Limit = 100 })).TotalCount.Should().Be(live);
        (await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, group, deletedAt, new OffsetPageRequest { Limit = 100 })).TotalCount.Should().Be(0);

        // A portfolio's groups.
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, portfolios[1], before)).Select(i => i.GroupUid).Should().BeEquivalentTo([group, other.Uid]);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, portfolios[1], after)).Select(i => i.GroupUid).Should().Equal(other.Uid);
        (await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Store, portfolios[1], after, new OffsetPageRequest { Limit = 100 })).TotalCount.Should().Be(1);

        // Counts.
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group, other.Uid], before)).Should().Equal(new Dictionary<Guid, long> { [group] = live, [other.Uid] = 10 });
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group, other.Uid], after)).Should().Equal(new Dictionary<Guid, long> { [group] = 0, [other.Uid] = 10 });
        (await PortfolioGroup.CountPortfoliosAsync(Store, null, after)).Keys.Should().NotContain(group);

        // Set filters.
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [group] }, before)).Should().HaveCount(live);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [group] }, after)).Should().BeEmpty();
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [identifier] }, after)).Should().BeEmpty();
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAllGroups = [group, other.Uid] }, before)).Should().HaveCount(9, "portfolio 0 left the group before");
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAllGroups = [group, other.Uid] }, after)).Should().BeEmpty();
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [other.Uid], NotInGroups = [group] }, before)).Should().ContainSingle().Which.Uid.Should().Be(portfolios[0]);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [other.Uid], NotInGroups = [group] }, after)).Should().HaveCount(10);
        (await Portfolio.FilterPageAsync(Store, new PortfolioFilter { InAnyGroup = [group] }, after, PageRequest.First(500))).Items.Should().BeEmpty();

        // The change log reports each interval's end, and its from filter uses it.
        var log = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group });
        log.Should().HaveCount(Members);
        log.Where(i => i.PortfolioUid != portfolios[0]).Should().OnlyContain(i => i.ValidTo == deletedAt);
        log.Single(i => i.PortfolioUid == portfolios[0]).ValidTo.Should().Be(removed);
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = identifier })).Should().OnlyContain(i => i.ValidTo != null);
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group, From = deletedAt })).Should().BeEmpty();
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group, From = before })).Should().HaveCount(live);
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Portfolio = portfolios[1], From = after })).Select(i => i.GroupUid).Should().Equal(other.Uid);
        (await PortfolioGroupMembership.GetHistoryPageAsync(Store, new MembershipHistoryFilter { Group = group }, PageRequest.First(500))).Items.Should().BeEquivalentTo(log);
        (await PortfolioGroupMembership.StreamHistoryAsync(Store, new MembershipHistoryFilter { Portfolio = portfolios[1] }).ToListAsync())
            .Single(i => i.GroupUid == group).ValidTo.Should().Be(deletedAt);
        var offset = await PortfolioGroupMembership.GetHistoryOffsetPageAsync(Store, new MembershipHistoryFilter { Group = group, From = before }, new OffsetPageRequest { Limit = 100 });
        offset.TotalCount.Should().Be(live);
        offset.Items.Should().OnlyContain(i => i.ValidTo == deletedAt);
    }

    [Test]
    public async Task A_group_deleted_and_made_again_with_the_same_uid_has_its_new_interval_open_and_the_old_ones_ended(
        [Values(true, false)] bool oneTransaction)
    {
        var (group, identifier, portfolios) = await GroupWithMembersAsync();
        await using var connection = await OpenPlainConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync($"DELETE FROM {Groups} WHERE uid = {UidLiteral(group)}", transaction: transaction);
        if (!oneTransaction)
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            transaction = await connection.BeginTransactionAsync();
        }

        await connection.ExecuteAsync($"INSERT INTO {Groups} (uid, unique_identifier, display_name) VALUES ({UidLiteral(group)}, '{identifier}', 'Again')", transaction: transaction);
        await connection.ExecuteAsync($"INSERT INTO {Membership} (uid, portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(Guid.CreateVersion7())}, {UidLiteral(group)}, {UidLiteral(portfolios[0])})", transaction: transaction);
        await connection.ExecuteAsync($"INSERT INTO {Membership} (uid, portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(Guid.CreateVersion7())}, {UidLiteral(group)}, {UidLiteral(portfolios[1])})", transaction: transaction);

        // Removed while the group (made again) exists: closed in place, although a deletion of its uid is at this instant.
        await connection.ExecuteAsync($"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group)} AND portfolio_uid = {UidLiteral(portfolios[1])}", transaction: transaction);
        await transaction.CommitAsync();
        await transaction.DisposeAsync();

        var deletedAt = (await DeletionRowsAsync(group)).Single().DeletedAt;
        var log = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group });
        log.Should().HaveCount(Members + 2);
        log.Take(Members).Should().OnlyContain(i => i.ValidTo == deletedAt, "the first group's intervals ended with it");
        log[Members].PortfolioUid.Should().Be(portfolios[0]);
        log[Members].ValidTo.Should().BeNull("the new interval is open");
        log[Members + 1].PortfolioUid.Should().Be(portfolios[1]);
        log[Members + 1].ValidTo.Should().NotBeNull("a removal from the group made again closes its interval in place");
        (await RawClosedAsync(group)).Should().Be(1, "only the removal wrote a valid_to");

        var now = DateTimeOffset.UtcNow.AddSeconds(1);
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, now)).Should().ContainSingle().Which.PortfolioUid.Should().Be(portfolios[0]);
        (await PortfolioGroup.GetPortfoliosAsync(Store, identifier, now)).Should().ContainSingle().Which.PortfolioUid.Should().Be(portfolios[0]);
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group], now))[group].Should().Be(1);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [group] }, now)).Select(p => p.Uid).Should().Equal(portfolios[0]);
        (await PortfolioGroup.GetPortfoliosAsync(Store, group)).Select(p => p.Uid).Should().Equal(portfolios[0]);

        // Deleted again: one more deletion row ends the new interval too.
        (await PortfolioGroup.DeleteAsync(Store, group)).Should().BeTrue();
        (await DeletionRowsAsync(group)).Should().HaveCount(2);
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, DateTimeOffset.UtcNow.AddSeconds(1))).Should().BeEmpty();
        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group })).Should().OnlyContain(i => i.ValidTo != null);
    }

    /// <summary>
    /// The deletion trigger's lookup of the group's largest <c>history_id</c> (2026120208), planned as
    /// the trigger runs it after a few calls, for any group (PostgreSQL's generic plan), on analysed
    /// statistics of a history that is almost all one group's, with the deleted group's few intervals
    /// the oldest: it reads the group's (<c>portfolio_group_uid</c>, <c>history_id</c>) index, not the
    /// primary key backwards from the newest interval, which 2026120206's <c>max()</c> did there (it
    /// expects every group to be that large, so a row of it near the end), reading every newer interval.
    /// SQLite keeps 2026120206's <c>max()</c>, which reads that index already.
    /// </summary>
    [Test]
    public async Task The_deletion_finds_the_groups_last_interval_through_the_groups_index()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var group = Guid.Parse("00000000-0000-4000-8000-0000000000aa");
        const string columns = "membership_uid, portfolio_group_uid, group_unique_identifier, portfolio_uid, portfolio_unique_identifier, valid_from";
        var history = Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        await connection.ExecuteAsync(Db == Db.Sqlite
            ? $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 60009) INSERT INTO {history} ({columns}) "
              + $"SELECT printf('00000002-0000-4000-8000-%012x', i), CASE WHEN i < 10 THEN '{group}' ELSE printf('00000000-0000-4000-8000-%012x', i % 50) END, 'g', "
              + "printf('00000001-0000-4000-8000-%012x', i), 'p-' || i, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM n ORDER BY i; ANALYZE"
            : $"INSERT INTO {history} ({columns}) SELECT gen_random_uuid(), CASE WHEN i < 10 THEN '{group}'::uuid "
              + "ELSE '00000000-0000-4000-8000-0000000000bb'::uuid END, 'g', gen_random_uuid(), 'p-' || i, now() FROM generate_series(0, 60009) i ORDER BY i; "
              + $"ANALYZE {history}");

        var lookup = Db == Db.Sqlite
            ? PortfolioGroups.Migrations.M2026120208_GroupDeletionReadsGroupIndex.MaxHistoryIdOf(store.Database, "@group")
            : PortfolioGroups.Migrations.M2026120208_GroupDeletionReadsGroupIndex.MaxHistoryIdOf(store.Database, "@group");
        var parameters = new { group = store.Database.Uid(group) };
        string plan;
        if (Db == Db.Sqlite)
        {
            plan = string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN SELECT " + lookup, parameters)).Select(r => (string)((IDictionary<string, object>)r)["detail"]));
        }
        else
        {
            var generic = PortfolioGroups.Migrations.M2026120208_GroupDeletionReadsGroupIndex.LastHistoryIdOf(store.Database, "$1");
            await connection.ExecuteAsync($"SET plan_cache_mode = force_generic_plan; PREPARE last_history_id(uuid) AS SELECT {generic}");
            plan = string.Join("\n", await connection.QueryAsync<string>($"EXPLAIN EXECUTE last_history_id('{group}')"));
        }

        plan.Should().Contain("ix_portfolio_group_membership_history_group_opened", plan);
        plan.Should().NotContain("pk_portfolio_group_membership_history", plan);
        (await connection.ExecuteScalarAsync<long>("SELECT " + lookup, parameters)).Should().Be(
            await connection.ExecuteScalarAsync<long>($"SELECT max(history_id) FROM {history} WHERE portfolio_group_uid = @group", parameters), "the same value either way");
    }

    [Test]
    public async Task A_portfolio_delete_still_closes_its_intervals_in_place()
    {
        var (group, _, portfolios) = await GroupWithMembersAsync();
        (await DeletePortfolioAsync(portfolios[0])).Should().BeTrue();
        (await RawClosedAsync(group)).Should().Be(1);
        (await DeletionRowsAsync(group)).Should().BeEmpty();
    }

    [Test]
    public async Task A_rolled_back_group_delete_records_nothing()
    {
        var (group, _, _) = await GroupWithMembersAsync();
        await using var connection = await OpenPlainConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            (await connection.ExecuteAsync($"DELETE FROM {Groups} WHERE uid = {UidLiteral(group)}", transaction: transaction)).Should().Be(1);
            (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Deletions} WHERE portfolio_group_uid = {UidLiteral(group)}", transaction: transaction))
                .Should().Be(1, "recorded in the deleting transaction");
            await transaction.RollbackAsync();
        }

        (await DeletionRowsAsync(group)).Should().BeEmpty();
        (await PortfolioGroup.GetPortfoliosAsync(Store, group, DateTimeOffset.UtcNow.AddSeconds(1))).Should().HaveCount(Members);
    }

    [Test]
    public async Task Prune_removes_a_deleted_groups_intervals_and_its_deletion_row_once_before_is_after_the_deletion()
    {
        IgnoreHostModeOnANewDatabase();
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var (group, _, portfolios) = await GroupWithMembersAsync(store, connectionString);
        var kept = await PortfolioGroup.AddAsync(store, Unique("kept"), "Kept");
        await PortfolioGroup.AddPortfoliosAsync(store, kept.Uid, portfolios.Take(3).Select(p => (PortfolioRef)p));
        (await PortfolioGroup.DeleteAsync(store, group)).Should().BeTrue();
        var deletedAt = (await DeletionRowsAsync(group, connectionString)).Single().DeletedAt;

        (await PortfolioGroupMembership.PruneHistoryAsync(store, deletedAt)).Should().Be(0, "nothing ended before the deletion");
        (await DeletionRowsAsync(group, connectionString)).Should().ContainSingle();

        (await PortfolioGroupMembership.PruneHistoryAsync(store, deletedAt.AddMilliseconds(1))).Should().Be(Members);
        (await DeletionRowsAsync(group, connectionString)).Should().BeEmpty();
        (await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = group })).Should().BeEmpty();
        (await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = kept.Uid })).Should().HaveCount(3).And.OnlyContain(i => i.ValidTo == null);
    }

    [Test]
    public async Task Down_writes_the_ended_intervals_valid_to_and_up_again_works()
    {
        IgnoreHostModeOnANewDatabase();
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var (group, _, portfolios) = await GroupWithMembersAsync(store, connectionString);
        var (live, _, _) = await GroupWithMembersAsync(store, connectionString, portfolios);
        (await PortfolioGroup.RemovePortfolioAsync(store, group, portfolios[0])).Should().BeTrue();
        await Task.Delay(5);
        (await PortfolioGroup.DeleteAsync(store, group)).Should().BeTrue();
        var deletedAt = (await DeletionRowsAsync(group, connectionString)).Single().DeletedAt;
        var log = await PortfolioGroupMembership.GetHistoryAsync(store, new MembershipHistoryFilter { Group = group });

        (await store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        (await RawClosedAsync(group, connectionString)).Should().Be(Members, "the deletion's end is written into valid_to");
        (await RawOpenAsync(live, connectionString)).Should().Be(Members, "a live group's intervals stay open");
        var ends = await RawEndsAsync(group, connectionString);
        ends.Should().BeEquivalentTo(log.ToDictionary(i => i.MembershipUid, i => i.ValidTo), "valid_to now holds what the reads reported");
        ends.Where(e => e.Value != deletedAt).Should().ContainSingle("only the removal before the deletion ended elsewhen");
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            (await PhysicalSchema.ReadAsync(connection, PostgresSchema)).Keys.Should().NotContain(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName);
        }

        (await store.CheckSchemaAsync()).Differences.Should().NotBeEmpty("the model is the current version's");
        (await DeleteFunctionSettingsAsync(connectionString)).Should().BeNull("2026120205's function has no settings");
        (await PortfolioGroup.DeleteAsync(store, live)).Should().BeTrue();
        (await RawClosedAsync(live, connectionString)).Should().Be(Members, "2026120205's triggers close in place");

        (await store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        if (Db == Db.Postgres)
        {
            (await DeleteFunctionSettingsAsync(connectionString)).Should().StartWith("jit=off", "a large removal's close is not JIT-compiled");
        }

        (await store.ReadCatalogAsync()).Select(e => e.PhysicalName).Should().Contain(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName);
        var (again, _, _) = await GroupWithMembersAsync(store, connectionString, portfolios);
        (await PortfolioGroup.DeleteAsync(store, again)).Should().BeTrue();
        (await RawOpenAsync(again, connectionString)).Should().Be(Members);
        (await DeletionRowsAsync(again, connectionString)).Should().ContainSingle();
    }

    private Task<(Guid Group, string Identifier, Guid[] Portfolios)> GroupWithMembersAsync() => GroupWithMembersAsync(Store, ConnectionString);

    /// <summary>A group of <see cref="Members"/> portfolios (new ones unless given), added through the library.</summary>
    private async Task<(Guid Group, string Identifier, Guid[] Portfolios)> GroupWithMembersAsync(PortfolioStore store, string connectionString, Guid[]? portfolios = null)
    {
        var identifier = Unique("gone");
        var group = await PortfolioGroup.AddAsync(store, identifier, "Gone");
        if (portfolios is null)
        {
            var ids = Enumerable.Range(0, Members).Select(i => Unique($"gp{i}")).ToArray();
            if (connectionString == ConnectionString)
            {
                portfolios = await SeedPortfoliosAsync(ids);
            }
            else
            {
                await using var connection = await OpenPlainConnectionAsync(connectionString);
                portfolios = await SeedPortfoliosOnAsync(connection, ids);
            }
        }

        await PortfolioGroup.AddPortfoliosAsync(store, group.Uid, portfolios.Select(p => (PortfolioRef)p));
        return (group.Uid, identifier, portfolios);
    }

    private Task<Guid[]> SeedPortfoliosOnAsync(DbConnection connection, string[] ids) => Seed.RowsAsync(connection, Db, Table("portfolio"), ids);

    private void IgnoreHostModeOnANewDatabase()
    {
        if (IsHostMode)
        {
            Assert.Ignore("a library-mode check on a database of its own: the host fixture runs the others on its own database");
        }
    }

    /// <summary>Deletes the group by plain SQL in a transaction; returns the history's updated rows by that statement (PostgreSQL), or its intervals with a valid_to (SQLite).</summary>
    private async Task<long> DeleteGroupAsync(Guid group)
    {
        await using var connection = await OpenPlainConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        long updated;
        if (Db == Db.Postgres)
        {
            const string sql = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = CAST(@table AS regclass)";
            var start = await connection.ExecuteScalarAsync<long>(sql, new { table = History }, transaction);
            (await connection.ExecuteAsync($"DELETE FROM {Groups} WHERE uid = {UidLiteral(group)}", transaction: transaction)).Should().Be(1);
            updated = await connection.ExecuteScalarAsync<long>(sql, new { table = History }, transaction) - start;
        }
        else
        {
            (await connection.ExecuteAsync($"DELETE FROM {Groups} WHERE uid = {UidLiteral(group)}", transaction: transaction)).Should().Be(1);
            updated = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {History} WHERE portfolio_group_uid = {UidLiteral(group)} AND valid_to IS NOT NULL", transaction: transaction);
        }

        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Membership} WHERE portfolio_group_uid = {UidLiteral(group)}", transaction: transaction)).Should().Be(0, "the cascade removed the memberships");
        await transaction.CommitAsync();
        return updated;
    }

    /// <summary>PostgreSQL: the settings of the membership delete function (null for none, and on SQLite).</summary>
    private Task<string?> DeleteFunctionSettingsAsync(string connectionString) =>
        FunctionSettingsAsync(SchemaModel.HistoryTriggers[1], connectionString);

    /// <summary>The raw valid_to of each interval of the group, by membership uid.</summary>
    private async Task<IReadOnlyDictionary<Guid, DateTimeOffset?>> RawEndsAsync(Guid group, string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var (uid, validTo) = Db == Db.Postgres
            ? ("CAST(membership_uid AS text)", "to_char(valid_to AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
            : ("membership_uid", "valid_to");
        var rows = await connection.QueryAsync<RawEndRecord>($"SELECT {uid} AS membership_uid, {validTo} AS valid_to FROM {History} WHERE portfolio_group_uid = {UidLiteral(group)}");
        return rows.ToDictionary(r => Guid.Parse(r.MembershipUid), r => r.ValidTo is null ? (DateTimeOffset?)null : Instant(r.ValidTo));
    }

    private Task<long> RawOpenAsync(Guid group, string? connectionString = null) => CountAsync($"SELECT count(*) FROM {History} WHERE portfolio_group_uid = {UidLiteral(group)} AND valid_to IS NULL", connectionString);

    private Task<long> RawClosedAsync(Guid group, string? connectionString = null) => CountAsync($"SELECT count(*) FROM {History} WHERE portfolio_group_uid = {UidLiteral(group)} AND valid_to IS NOT NULL", connectionString);

    private Task<long> MaxHistoryIdAsync(Guid group) => CountAsync($"SELECT max(history_id) FROM {History} WHERE portfolio_group_uid = {UidLiteral(group)}", null);

    private async Task<long> CountAsync(string sql, string? connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private async Task<IReadOnlyList<DeletionRow>> DeletionRowsAsync(Guid group, string? connectionString = null)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var deletedAt = Db == Db.Postgres ? "to_char(deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" : "deleted_at";
        var rows = await connection.QueryAsync<DeletionRecord>(
            $"SELECT {deletedAt} AS deleted_at, last_history_id FROM {Deletions} WHERE portfolio_group_uid = {UidLiteral(group)} ORDER BY deletion_id");
        return [.. rows.Select(r => new DeletionRow(Instant(r.DeletedAt), r.LastHistoryId))];
    }

    private static DateTimeOffset Instant(string text) =>
        DateTimeOffset.ParseExact(text, ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private sealed record DeletionRow(DateTimeOffset DeletedAt, long LastHistoryId);

    internal sealed record DeletionRecord(string DeletedAt, long LastHistoryId);

    internal sealed record RawEndRecord(string MembershipUid, string? ValidTo);
}
