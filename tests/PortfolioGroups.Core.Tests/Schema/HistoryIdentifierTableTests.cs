using System.Data.Common;
using Dapper;
using PortfolioGroups.Migrations;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120207: the identifiers the membership history records are kept in a table of their
/// own (<c>portfolio_group_membership_history_identifier</c>) by triggers, for every writer; a read
/// that names a group or portfolio by an identifier it had then goes through it to the history's uid
/// indexes; Down drops the table and the triggers and makes the two identifier indexes again.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class HistoryIdentifierTableTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const long Version = 2026120207;

    private string Identifiers => Table(SchemaModel.PortfolioGroupMembershipHistoryIdentifier.PhysicalName);

    private string Membership => Table("portfolio_group_membership");

    /// <summary>A test that failed between migrating down and up leaves the fixture's database migrated for the next.</summary>
    [TearDown]
    public async Task MigrateUpAgainAsync() => await Store.MigrateAsync();

    [Test]
    public async Task Every_writer_records_the_identifiers_its_intervals_record_and_nothing_else()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var other = await PortfolioGroup.AddAsync(Store, Unique("o"), "O");
        var p = await AddPortfolioAsync(Unique("p"));
        var q = await AddPortfolioAsync(Unique("q"));
        var r = await AddPortfolioAsync(Unique("r"));
        await using var plain = await OpenPlainConnectionAsync();

        // The library's single and bulk calls, a plain insert, a plain update that moves a membership
        // to another portfolio (r is in no other membership), and an add after a group's rename (a
        // second identifier for one uid).
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, p.Uid);
        (await PortfolioGroupMembership.AddManyAsync(Store, [(group.Uid, q.Uid), (other.Uid, p.Uid)])).Added.Should().Be(2);
        await plain.ExecuteAsync($"INSERT INTO {Membership} (uid, portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(Guid.CreateVersion7())}, {UidLiteral(other.Uid)}, {UidLiteral(q.Uid)})");
        await plain.ExecuteAsync($"UPDATE {Membership} SET portfolio_uid = {UidLiteral(r.Uid)} WHERE portfolio_group_uid = {UidLiteral(other.Uid)} AND portfolio_uid = {UidLiteral(q.Uid)}");
        var renamed = Unique("renamed");
        await plain.ExecuteAsync($"UPDATE {Table("portfolio_group")} SET unique_identifier = '{renamed}' WHERE uid = {UidLiteral(group.Uid)}");
        (await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, p.Uid)).Should().BeTrue();
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, p.Uid);

        var rows = await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers} WHERE uid IN ({string.Join(", ", new[] { group.Uid, other.Uid, p.Uid, q.Uid, r.Uid }.Select(UidLiteral))})");
        rows.Should().BeEquivalentTo(
        [
            ("group", group.UniqueIdentifier, group.Uid), ("group", renamed, group.Uid), ("group", other.UniqueIdentifier, other.Uid),
            ("portfolio", p.UniqueIdentifier, p.Uid), ("portfolio", q.UniqueIdentifier, q.Uid), ("portfolio", r.UniqueIdentifier, r.Uid),
        ]);
        (await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers}"))
            .Should().BeEquivalentTo(await RecordedByHistoryAsync(plain), "the table holds exactly what the intervals recorded");

        // Named by either identifier, the group's intervals of then.
        (await PortfolioGroup.GetPortfoliosAsync(Store, group.UniqueIdentifier, DateTimeOffset.UtcNow.AddMinutes(1))).Select(i => i.PortfolioUid).Should().Equal(q.Uid);
        (await PortfolioGroup.GetPortfoliosAsync(Store, renamed, DateTimeOffset.UtcNow.AddMinutes(1))).Select(i => i.PortfolioUid).Should().Equal(p.Uid);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, r.UniqueIdentifier, DateTimeOffset.UtcNow.AddMinutes(1))).Select(i => i.GroupUid).Should().Equal(other.Uid);
    }

    [Test]
    public async Task A_plain_insert_with_its_own_conflict_policy_adds_a_membership_of_a_recorded_portfolio()
    {
        if (Db != Db.Sqlite)
        {
            Assert.Ignore("INSERT OR ... is SQLite's");
        }

        // An outer INSERT OR ABORT / OR REPLACE overrides the conflict policy of a trigger's statements
        // on SQLite: the trigger must not rely on one, or a recorded identifier would abort the insert.
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var other = await PortfolioGroup.AddAsync(Store, Unique("o"), "O");
        var p = await AddPortfolioAsync(Unique("p"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, p.Uid);
        await using var plain = await OpenPlainConnectionAsync();

        foreach (var policy in new[] { "OR ABORT", "OR REPLACE", "OR FAIL" })
        {
            await PortfolioGroup.RemovePortfolioAsync(Store, other.Uid, p.Uid);
            await plain.ExecuteAsync($"INSERT {policy} INTO {Membership} (uid, portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(Guid.CreateVersion7())}, {UidLiteral(other.Uid)}, {UidLiteral(p.Uid)})");
        }

        (await PortfolioGroup.GetPortfoliosAsync(Store, other.Uid)).Select(x => x.Uid).Should().Equal(p.Uid);
        (await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers} WHERE uid = {UidLiteral(p.Uid)}")).Should().ContainSingle();
    }

    [Test]
    public async Task Concurrent_bulk_adds_of_the_same_new_portfolios_both_succeed_and_record_each_identifier_once()
    {
        var groups = new List<PortfolioGroup>();
        for (var i = 0; i < 2; i++)
        {
            groups.Add(await PortfolioGroup.AddAsync(Store, Unique($"c{i}"), $"C{i}"));
        }

        var portfolios = new List<Portfolio>();
        for (var i = 0; i < 40; i++)
        {
            portfolios.Add(await AddPortfolioAsync(Unique($"cp{i}")));
        }

        // Each writer adds the same portfolios (new to the history) to its own group, in opposite orders.
        var adds = groups.Select((g, i) => PortfolioGroupMembership.AddManyAsync(
            Store,
            (i == 0 ? portfolios : Enumerable.Reverse(portfolios)).Select(p => ((PortfolioGroupRef)g.Uid, (PortfolioRef)p.Uid)))).ToList();
        (await Task.WhenAll(adds)).Should().OnlyContain(result => result.Added == portfolios.Count);

        await using var plain = await OpenPlainConnectionAsync();
        var rows = await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers} WHERE side = 'portfolio' AND unique_identifier LIKE 'cp%'");
        rows.Where(row => portfolios.Any(p => p.Uid == row.Uid)).Should().HaveCount(portfolios.Count);
    }

    [TestCase("group")]
    [TestCase("portfolio")]
    public async Task A_read_by_an_identifier_of_then_finds_its_uids_in_the_table_and_the_intervals_by_uid(string side)
    {
        if (IsHostMode)
        {
            Assert.Ignore("the plan of the history's own tables: the host fixture would only repeat it");
        }

        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 200).Select(i => new PortfolioUpsert($"p{i}")));
        for (var g = 0; g < 40; g++)
        {
            await PortfolioGroup.AddAsync(store, $"g{g}", $"G{g}");
        }

        await PortfolioGroupMembership.AddManyAsync(store, Enumerable.Range(0, 40).SelectMany(g => Enumerable.Range(0, 50).Select(p => ((PortfolioGroupRef)$"g{g}", (PortfolioRef)$"p{(g * 7 + p) % 200}"))));

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        await connection.ExecuteAsync($"ANALYZE {Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName)}; ANALYZE {Identifiers}");
        var database = store.Database;
        var historySide = side == "group" ? Repositories.MembershipRepository.HistorySide.Group : Repositories.MembershipRepository.HistorySide.Portfolio;
        var sql = new Repositories.MembershipRepository(database).InForceSql(historySide, Repositories.MembershipRepository.InForceKey.Identifier, after: false, limit: false);
        var parameters = new { key = side == "group" ? "g3" : "p17", asOf = database.InstantValue(DateTimeOffset.UtcNow) };
        var plan = Db == Db.Sqlite
            ? string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, parameters)).Select(r => (string)((IDictionary<string, object>)r)["detail"]))
            : string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, parameters));

        // The intervals through the named side's uid index, never a scan of the history.
        plan.Should().Contain(side == "group" ? "ix_portfolio_group_membership_history_group_" : "ix_portfolio_group_membership_history_portfolio_", plan);
        plan.Should().NotContain(Db == Db.Sqlite ? "SCAN h" : "Seq Scan on portfolio_group_membership_history ", plan);
        if (Db == Db.Sqlite)
        {
            // PostgreSQL reads a table of a few pages whole, as it should.
            plan.Should().Contain("ux_portfolio_group_membership_history_identifier", plan);
        }

        (await PortfolioGroup.GetPortfoliosAsync(store, "g3", DateTimeOffset.UtcNow.AddMinutes(1))).Should().HaveCount(50);
    }

    [Test]
    public async Task Migrating_down_drops_the_table_and_its_triggers_and_up_fills_it_from_the_history()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("m"), "M");
        var p = await AddPortfolioAsync(Unique("mp"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, p.Uid);
        await using var plain = await OpenPlainConnectionAsync();
        var before = await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers}");

        (await Store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(MigrationTests.From(Version).Reverse());
        (await PhysicalSchema.ReadAsync(plain, PostgresSchema)).Keys.Should().NotContain(SchemaModel.PortfolioGroupMembershipHistoryIdentifier.PhysicalName);
        (await TriggerNamesAsync(plain)).Should().NotContain(SchemaModel.HistoryIdentifierTriggers);

        // Written while the table is gone: the migration up finds it in the history.
        var q = await AddPortfolioAsync(Unique("mq"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, q.Uid);

        (await Store.MigrateAsync()).Ran.Should().Equal(MigrationTests.From(Version));
        var after = await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers}");
        after.Should().BeEquivalentTo(await RecordedByHistoryAsync(plain));
        after.Should().Contain(before).And.Contain(("portfolio", q.UniqueIdentifier, q.Uid));
        (await TriggerNamesAsync(plain)).Should().Contain(SchemaModel.HistoryIdentifierTriggers);
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        (await Store.ReadCatalogAsync()).Select(e => e.PhysicalName).Should().Contain(SchemaModel.PortfolioGroupMembershipHistoryIdentifier.PhysicalName);
    }

    /// <summary>
    /// 2026120301 (PostgreSQL: the identifiers of a write recorded from its distinct groups and
    /// portfolios, the functions without JIT) down and up: each version's functions record exactly what
    /// the intervals record, for a bulk add of new and recorded portfolios and for an update.
    /// </summary>
    [Test]
    public async Task The_distinct_record_of_2026120301_and_2026120207s_record_both_hold_exactly_the_identifiers_of_the_intervals()
    {
        const long distinctKeys = 2026120301;
        var functions = new[] { SchemaModel.HistoryTriggers[0], SchemaModel.HistoryIdentifierTriggers[0] };
        var group = await PortfolioGroup.AddAsync(Store, Unique("dk"), "DK");
        var recorded = new[] { await AddPortfolioAsync(Unique("dka")), await AddPortfolioAsync(Unique("dkb")) };
        (await PortfolioGroupMembership.AddManyAsync(Store, recorded.Select(p => ((PortfolioGroupRef)group.Uid, (PortfolioRef)p.Uid)))).Added.Should().Be(2);
        await using var plain = await OpenPlainConnectionAsync();

        (await Store.MigrateDownAsync(2026120208)).Ran.Should().Equal(MigrationTests.From(distinctKeys).Reverse());
        foreach (var function in functions)
        {
            (await FunctionSettingsAsync(function)).Should().BeNull("2026120207's functions have no settings");
        }

        await WriteAsync("down");
        (await Store.MigrateAsync()).Ran.Should().Equal(MigrationTests.From(distinctKeys));
        foreach (var function in functions)
        {
            (await FunctionSettingsAsync(function)).Should().Be(Db == Db.Postgres ? "jit=off," + M2026120401_HistoryJoinsByIndex.Settings : null, "2026120401 adds its settings to 2026120301's");
        }

        var (again, moved) = await WriteAsync("up");
        var rows = await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers}");
        rows.Should().BeEquivalentTo(await RecordedByHistoryAsync(plain), "the table holds exactly what the intervals recorded");
        rows.Should().Contain([("group", again.UniqueIdentifier, again.Uid), ("portfolio", moved.UniqueIdentifier, moved.Uid)]);
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        // A new group of the recorded portfolios and a new one, by one bulk add; then a plain update
        // that moves one of its memberships to another new portfolio.
        async Task<(PortfolioGroup Group, Portfolio Moved)> WriteAsync(string name)
        {
            var other = await PortfolioGroup.AddAsync(Store, Unique($"dk-{name}"), "DK");
            var fresh = await AddPortfolioAsync(Unique($"dkn-{name}"));
            var target = await AddPortfolioAsync(Unique($"dkm-{name}"));
            (await PortfolioGroupMembership.AddManyAsync(Store, recorded.Append(fresh).Select(p => ((PortfolioGroupRef)other.Uid, (PortfolioRef)p.Uid)))).Added.Should().Be(3);
            await plain.ExecuteAsync($"UPDATE {Membership} SET portfolio_uid = {UidLiteral(target.Uid)} WHERE portfolio_group_uid = {UidLiteral(other.Uid)} AND portfolio_uid = {UidLiteral(fresh.Uid)}");
            (await IdentifierRowsAsync(plain, $"SELECT side, unique_identifier, CAST(uid AS TEXT) AS uid FROM {Identifiers}"))
                .Should().BeEquivalentTo(await RecordedByHistoryAsync(plain), $"every writer records exactly what its intervals record ({name})");
            return (other, target);
        }
    }

    /// <summary>The distinct (side, identifier, uid) the history's intervals recorded.</summary>
    private async Task<List<(string Side, string UniqueIdentifier, Guid Uid)>> RecordedByHistoryAsync(DbConnection connection)
    {
        var history = Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        return await IdentifierRowsAsync(
            connection,
            $"SELECT 'group' AS side, group_unique_identifier AS unique_identifier, CAST(portfolio_group_uid AS TEXT) AS uid FROM {history} "
            + $"UNION SELECT 'portfolio', portfolio_unique_identifier, CAST(portfolio_uid AS TEXT) FROM {history}");
    }

    private static async Task<List<(string Side, string UniqueIdentifier, Guid Uid)>> IdentifierRowsAsync(DbConnection connection, string sql) =>
        [.. (await connection.QueryAsync<IdentifierRow>(sql)).Select(r => (r.Side, r.UniqueIdentifier, Guid.Parse(r.Uid)))];

    internal sealed record IdentifierRow(string Side, string UniqueIdentifier, string Uid);

    private async Task<List<string>> TriggerNamesAsync(DbConnection connection) => [.. await connection.QueryAsync<string>(Db == Db.Sqlite
        ? "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        : $"SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = '{Membership}'::regclass")];

    /// <summary>A uid as a literal of the fixture's database.</summary>
}
