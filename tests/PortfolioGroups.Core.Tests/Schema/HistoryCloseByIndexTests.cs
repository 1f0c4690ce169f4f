using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120205: on PostgreSQL the history's delete and update triggers close the intervals
/// of the removed or changed memberships through the history's <c>membership_uid</c> index, whatever
/// its statistics say. Deterministic, not timed: the history's sequential scans within the writing
/// transaction (<c>pg_stat_xact_user_tables</c>) are counted, with statistics taken when no interval
/// was open. At 2026120204 the same writes read the whole history; after the migration they do not,
/// and the history stays right. SQLite's row triggers already close through the index; the migration
/// changes nothing there.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class HistoryCloseByIndexTests(Db db, PortfolioMode portfolioMode) : HistoryDatabaseTest(db, portfolioMode)
{
    private const long Version = 2026120205;

    private const int Count = 400;

    /// <summary>This version and those after it: migrating down below it reverts them too.</summary>
    private static long[] FromVersion => MigrationTests.From(Version);

    private static readonly string[] CloseFunctions = ["portfolio_group_membership_history_on_delete", "portfolio_group_membership_history_on_update"];

    private string History => Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);

    private string Membership => Table("portfolio_group_membership");

    [Test]
    public async Task Deleting_memberships_closes_their_intervals_without_reading_the_whole_history_whatever_the_statistics_say()
    {
        RequirePostgres();
        var (groups, portfolios) = await StaleStatisticsAsync();
        var memberships = await MembershipUidsAsync(groups[0]);

        // The defect, at 2026120204: the join of the transition table to the history reads the whole history.
        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        (await SeqScansAsync(memberships[..(Count / 2)], null, commit: false))
            .Should().BeGreaterThan(0, "2026120102's close joins old_rows to the history and the statistics say no interval is open");

        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await SeqScansAsync(memberships[..(Count / 2)], null, commit: true))
            .Should().Be(0, "the bulk close looks each removed row up in the membership_uid index");
        (await SeqScansAsync([memberships[^1]], null, commit: true))
            .Should().Be(0, "the one-row close looks the row up in the membership_uid index");

        var closed = memberships[..(Count / 2)].Append(memberships[^1]).ToHashSet();
        var intervals = await IntervalsAsync(groups[0]);
        intervals.Should().HaveCount(2 * Count, "the first round's closed intervals and the second round's");
        intervals.Where(i => i.ValidTo is null).Select(i => i.MembershipUid).Should().BeEquivalentTo(memberships.Where(m => !closed.Contains(m)));
        intervals.Where(i => i.ValidTo is not null).Should().HaveCount(Count + closed.Count);
        (await PortfolioGroup.GetPortfoliosAsync(Store, groups[0])).Should().HaveCount(Count - closed.Count);
        portfolios.Should().HaveCount(Count);
    }

    [Test]
    public async Task Moving_memberships_to_another_group_closes_and_opens_their_intervals_without_reading_the_whole_history()
    {
        RequirePostgres();
        var (groups, _) = await StaleStatisticsAsync();
        var memberships = await MembershipUidsAsync(groups[0]);

        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        (await SeqScansAsync(memberships[..(Count / 2)], groups[1], commit: false))
            .Should().BeGreaterThan(0, "2026120102's close of the changed rows joins them to the history");

        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await SeqScansAsync(memberships[..(Count / 2)], groups[1], commit: true)).Should().Be(0, "a bulk move");
        (await SeqScansAsync([memberships[^1]], groups[1], commit: true)).Should().Be(0, "a one-row move");

        var moved = memberships[..(Count / 2)].Append(memberships[^1]).ToHashSet();
        var from = await IntervalsAsync(groups[0]);
        from.Where(i => i.ValidTo is null).Select(i => i.MembershipUid).Should().BeEquivalentTo(memberships.Where(m => !moved.Contains(m)));
        from.Where(i => i.ValidTo is not null).Should().HaveCount(Count + moved.Count);
        var to = await IntervalsAsync(groups[1]);
        to.Should().HaveCount(moved.Count).And.OnlyContain(i => i.ValidTo == null, "the moved rows' new intervals are open");
        to.Select(i => i.MembershipUid).Should().BeEquivalentTo(moved);
        to.Should().OnlyContain(i => i.PortfolioUniqueIdentifier.StartsWith("close-p", StringComparison.Ordinal), "the portfolios are read through the mapped table");
        (await PortfolioGroup.GetPortfoliosAsync(Store, groups[1])).Should().HaveCount(moved.Count);
    }

    [Test]
    public async Task Down_puts_the_join_back_and_up_the_index_lookup_and_the_membership_triggers_call_the_replaced_functions()
    {
        if (Db == Db.Sqlite)
        {
            (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
            (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
            (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty("nothing changes on SQLite, whose row triggers closed through an index already (the plan of today's lookup: HistoryCloseByPairIndexTests)");
            return;
        }

        (await FunctionsAsync()).Should().HaveCount(2).And.OnlyContain(f => f.Source.Contains("CROSS JOIN LATERAL", StringComparison.Ordinal) && !f.Source.Contains(" FROM old_rows o WHERE", StringComparison.Ordinal));
        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(FromVersion.Reverse());
        (await FunctionsAsync()).Should().HaveCount(2).And.OnlyContain(f => !f.Source.Contains("LATERAL", StringComparison.Ordinal) && f.Source.Contains("WHERE h.membership_uid = o.uid AND h.valid_to IS NULL", StringComparison.Ordinal));
        (await Store.MigrateAsync()).Ran.Should().Equal(FromVersion);
        (await FunctionsAsync()).Should().HaveCount(2).And.OnlyContain(f => f.Source.Contains("CROSS JOIN LATERAL", StringComparison.Ordinal));
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        if (MembershipPartitions > 0)
        {
            // Rebuilt into a plain table and partitioned again: the copied triggers call the same functions.
            await using (var plain = await PortfolioStore.OpenPostgresAsync(ConnectionString, WithFixturePortfolioTable(new PortfolioStoreOptions())))
            {
                (await plain.RepartitionMembershipsAsync()).Should().BeTrue();
            }

            (await FunctionsAsync()).Should().HaveCount(2).And.OnlyContain(f => f.Source.Contains("CROSS JOIN LATERAL", StringComparison.Ordinal));
            (await Store.RepartitionMembershipsAsync()).Should().BeTrue();
            (await FunctionsAsync()).Should().HaveCount(2).And.OnlyContain(f => f.Source.Contains("CROSS JOIN LATERAL", StringComparison.Ordinal));
        }

        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = (await SeedPortfoliosAsync([Unique("close-p")]))[0];
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, portfolio);
        (await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, portfolio)).Should().BeTrue();
        (await IntervalsAsync(group.Uid)).Should().ContainSingle().Which.ValidTo.Should().NotBeNull("the replaced delete trigger closed it");
    }

    /// <summary>A test that failed between migrating down and up leaves the fixture's database migrated for the next.</summary>
    [TearDown]
    public async Task MigrateUpAgainAsync() => await Store.MigrateAsync();

    private void RequirePostgres()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("PostgreSQL's statement triggers; SQLite's row triggers close through an index.");
        }
    }

    /// <summary>
    /// Two groups; <see cref="Count"/> memberships of the first added and removed (every interval of
    /// the history closed), the history analyzed then (its statistics say no interval is open, as
    /// after a purge or a large delete), and the same memberships added again.
    /// </summary>
    private async Task<(Guid[] Groups, Guid[] Portfolios)> StaleStatisticsAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [Unique("close-g"), Unique("close-g")]);
        var portfolios = await SeedPortfoliosAsync([.. Enumerable.Range(0, Count).Select(i => Unique($"close-p{i}"))]);
        var pairs = portfolios.Select(p => (groups[0], p)).ToList();
        await Seed.MembershipsAsync(connection, Db, Membership, pairs);
        await connection.ExecuteAsync($"DELETE FROM {Membership}");
        await connection.ExecuteAsync($"ALTER TABLE {History} SET (autovacuum_enabled = false); ANALYZE {History}");
        (await connection.ExecuteScalarAsync<int>($"SELECT count(*) FROM {History} WHERE valid_to IS NULL")).Should().Be(0);
        (await connection.ExecuteScalarAsync<double>(
            $"SELECT null_frac FROM pg_stats WHERE schemaname = @schema AND tablename = '{SchemaModel.PortfolioGroupMembershipHistory.PhysicalName}' AND attname = 'valid_to'",
            new { schema = PostgresSchema })).Should().Be(0, "the statistics say no interval is open");
        await Seed.MembershipsAsync(connection, Db, Membership, pairs);
        return (groups, portfolios);
    }

    private async Task<Guid[]> MembershipUidsAsync(Guid group)
    {
        await using var connection = await OpenPlainConnectionAsync();
        return [.. await connection.QueryAsync<Guid>($"SELECT uid FROM {Membership} WHERE portfolio_group_uid = @group ORDER BY uid", new { group })];
    }

    /// <summary>Deletes or moves the memberships <paramref name="uids"/> in a transaction and returns the history's sequential scans by that statement (its triggers).</summary>
    private async Task<long> SeqScansAsync(Guid[] uids, Guid? moveTo, bool commit)
    {
        await using var connection = await OpenPlainConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var scans = -await HistoryStatAsync(connection, transaction, "seq_scan");
        var changed = moveTo is { } to
            ? await connection.ExecuteAsync($"UPDATE {Membership} SET portfolio_group_uid = @to WHERE uid = ANY(@uids)", new { to, uids }, transaction)
            : await connection.ExecuteAsync($"DELETE FROM {Membership} WHERE uid = ANY(@uids)", new { uids }, transaction);
        changed.Should().Be(uids.Length);
        scans += await HistoryStatAsync(connection, transaction, "seq_scan");
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        return scans;
    }

    private async Task<List<Interval>> IntervalsAsync(Guid group)
    {
        await using var connection = await OpenPlainConnectionAsync();
        return [.. await connection.QueryAsync<Interval>(
            $"SELECT membership_uid AS MembershipUid, portfolio_unique_identifier AS PortfolioUniqueIdentifier, valid_to AS ValidTo FROM {History} WHERE portfolio_group_uid = @group",
            new { group })];
    }

    private async Task<List<TriggerFunction>> FunctionsAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var rows = await connection.QueryAsync<TriggerFunction>(
            "SELECT t.tgname::text AS Trigger, p.prosrc AS Source FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            + "WHERE t.tgrelid = CAST(@table AS regclass) AND NOT t.tgisinternal AND t.tgname = ANY(@names) ORDER BY t.tgname",
            new { table = Membership, names = CloseFunctions });
        return [.. rows];
    }

    internal sealed record TriggerFunction(string Trigger, string Source);

    internal sealed record Interval(Guid MembershipUid, string PortfolioUniqueIdentifier, DateTime? ValidTo);
}
