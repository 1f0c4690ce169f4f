using System.Globalization;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120102: the membership history is kept by the database's triggers, for the
/// library's single and bulk calls, cascades, and writes from other clients; a rolled-back
/// transaction records nothing; the migration gives existing memberships a "known since" interval
/// and its Down() removes the table and the triggers and leaves the live tables as they were.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class MembershipHistoryTests(Db db) : DatabaseTest(db)
{
    private const long PreviousVersion = 2026120101;

    /// <summary>The versions from the history on (it, and those after it).</summary>
    private static long[] Later => [.. MigrationTests.AllVersions.Where(v => v > PreviousVersion)];

    // Instants read on another connection are compared with this margin: on SQLite, stamps and
    // another connection's 'now' were seen a few milliseconds apart.
    private static readonly TimeSpan Skew = TimeSpan.FromMilliseconds(50);

    [Test]
    public async Task Adding_and_removing_a_portfolio_opens_and_closes_one_interval_with_the_identifiers_of_the_time()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("p"));
        var before = await DatabaseNowAsync();

        var membership = await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, portfolio.Uid);
        var open = await HistoryAsync(group.Uid);

        open.Should().ContainSingle();
        open[0].MembershipUid.Should().Be(membership.Uid.ToString("D"));
        open[0].PortfolioUid.Should().Be(portfolio.Uid.ToString("D"));
        open[0].GroupUniqueIdentifier.Should().Be(group.UniqueIdentifier);
        open[0].PortfolioUniqueIdentifier.Should().Be(portfolio.UniqueIdentifier);
        open[0].ValidTo.Should().BeNull();
        Instant(open[0].ValidFrom).Should().BeOnOrAfter(before - Skew);

        (await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, portfolio.Uid)).Should().BeTrue();
        var closed = (await HistoryAsync(group.Uid)).Should().ContainSingle().Subject;

        closed.ValidTo.Should().NotBeNull();
        Instant(closed.ValidTo!).Should().BeOnOrAfter(Instant(closed.ValidFrom)).And.BeOnOrBefore(await DatabaseNowAsync() + Skew);
    }

    [Test]
    public async Task The_clock_is_the_database_clock_in_utc_at_its_finest_precision()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("p"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, portfolio.Uid);

        var row = (await HistoryAsync(group.Uid)).Single();

        // Microseconds on PostgreSQL, milliseconds on SQLite.
        row.ValidFrom.Should().MatchRegex(Db == Db.Postgres ? @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$" : @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$");
        Instant(row.ValidFrom).Should().BeCloseTo(DateTime.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Test]
    public async Task Bulk_adds_and_SetPortfolios_are_recorded_row_for_row()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var ids = Enumerable.Range(0, 60).Select(i => Unique($"p{i}")).ToList();
        await Portfolio.UpsertManyAsync(Store, ids.Select(id => new PortfolioUpsert(id)));

        await PortfolioGroup.AddPortfoliosAsync(Store, group.Uid, ids.Take(50).Select(id => (PortfolioRef)id));
        (await HistoryAsync(group.Uid)).Should().HaveCount(50).And.OnlyContain(r => r.ValidTo == null);

        // Keeps 10, removes 40, adds 10.
        await PortfolioGroup.SetPortfoliosAsync(Store, group.Uid, ids.Skip(40).Select(id => (PortfolioRef)id));
        var history = await HistoryAsync(group.Uid);

        history.Should().HaveCount(60);
        history.Where(r => r.ValidTo == null).Select(r => r.PortfolioUniqueIdentifier).Should().BeEquivalentTo(ids.Skip(40));
        history.Where(r => r.ValidTo != null).Select(r => r.PortfolioUniqueIdentifier).Should().BeEquivalentTo(ids.Take(40));

        await PortfolioGroupMembership.AddManyAsync(Store, ids.Take(5).Select(id => ((PortfolioGroupRef)group.Uid, (PortfolioRef)id)));
        (await HistoryAsync(group.Uid)).Where(r => r.ValidTo == null).Should().HaveCount(25);
    }

    [Test]
    public async Task A_cascade_from_deleting_a_portfolio_or_a_group_closes_the_intervals_and_the_history_outlives_them()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var ids = Enumerable.Range(0, 3).Select(i => Unique($"p{i}")).ToList();
        await Portfolio.UpsertManyAsync(Store, ids.Select(id => new PortfolioUpsert(id)));
        await PortfolioGroup.AddPortfoliosAsync(Store, group.Uid, ids.Select(id => (PortfolioRef)id));

        (await Portfolio.DeleteAsync(Store, ids[0])).Should().BeTrue();
        var afterPortfolioDelete = await HistoryAsync(group.Uid);
        afterPortfolioDelete.Single(r => r.PortfolioUniqueIdentifier == ids[0]).ValidTo.Should().NotBeNull();
        afterPortfolioDelete.Where(r => r.PortfolioUniqueIdentifier != ids[0]).Should().OnlyContain(r => r.ValidTo == null);

        (await PortfolioGroup.DeleteAsync(Store, group.Uid)).Should().BeTrue();
        var afterGroupDelete = await HistoryAsync(group.Uid);

        afterGroupDelete.Should().HaveCount(3).And.OnlyContain(r => r.ValidTo != null && r.GroupUniqueIdentifier == group.UniqueIdentifier);
        afterGroupDelete.Select(r => r.PortfolioUniqueIdentifier).Should().BeEquivalentTo(ids);
    }

    [Test]
    public async Task Plain_sql_from_another_client_is_recorded()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var other = await PortfolioGroup.AddAsync(Store, Unique("g"), "Other");
        var portfolio = await Portfolio.AddAsync(Store, Unique("p"));
        var membership = Guid.CreateVersion7();
        await using var connection = await OpenPlainConnectionAsync();

        await connection.ExecuteAsync(
            $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) VALUES ('{membership:D}', '{group.Uid:D}', '{portfolio.Uid:D}')");
        (await HistoryAsync(group.Uid)).Should().ContainSingle().Which.ValidTo.Should().BeNull();

        // An update that moves the membership to another group closes one interval and opens another.
        await connection.ExecuteAsync($"UPDATE {Table("portfolio_group_membership")} SET portfolio_group_uid = '{other.Uid:D}' WHERE uid = '{membership:D}'");
        (await HistoryAsync(group.Uid)).Should().ContainSingle().Which.ValidTo.Should().NotBeNull();
        (await HistoryAsync(other.Uid)).Should().ContainSingle().Which.ValidTo.Should().BeNull();

        // An update that changes nothing the history holds leaves it as it was.
        await connection.ExecuteAsync($"UPDATE {Table("portfolio_group_membership")} SET portfolio_uid = portfolio_uid WHERE uid = '{membership:D}'");
        (await HistoryAsync(other.Uid)).Should().ContainSingle();

        await connection.ExecuteAsync($"DELETE FROM {Table("portfolio_group_membership")} WHERE uid = '{membership:D}'");
        var closed = (await HistoryAsync(other.Uid)).Should().ContainSingle().Subject;
        closed.ValidTo.Should().NotBeNull();
        closed.MembershipUid.Should().Be(membership.ToString("D"));
    }

    [Test]
    public async Task A_rolled_back_transaction_records_nothing()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("p"));
        var kept = await Portfolio.AddAsync(Store, Unique("p"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, kept.Uid);
        var before = await HistoryAsync(group.Uid);
        await using var connection = await OpenPlainConnectionAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) VALUES ('{Guid.CreateVersion7():D}', '{group.Uid:D}', '{portfolio.Uid:D}')",
                transaction: transaction);
            await connection.ExecuteAsync($"DELETE FROM {Table("portfolio_group_membership")} WHERE portfolio_uid = '{kept.Uid:D}'", transaction: transaction);
            await transaction.RollbackAsync();
        }

        (await HistoryAsync(group.Uid)).Should().BeEquivalentTo(before);
    }

    [Test]
    public async Task On_postgres_every_change_of_one_transaction_shares_one_instant_and_a_truncate_closes_every_interval()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("PostgreSQL only: SQLite stamps each statement's millisecond and has no TRUNCATE.");
        }

        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var group = await PortfolioGroup.AddAsync(store, "g", "G");
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 3).Select(i => new PortfolioUpsert($"p{i}")));
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            foreach (var i in Enumerable.Range(0, 3))
            {
                await connection.ExecuteAsync(
                    $"INSERT INTO {Table("portfolio_group_membership")} (portfolio_group_uid, portfolio_uid) SELECT '{group.Uid:D}', uid FROM {Table("portfolio")} WHERE unique_identifier = 'p{i}'",
                    transaction: transaction);
                await Task.Delay(5);
            }

            await transaction.CommitAsync();
        }

        (await HistoryAsync(group.Uid, connectionString)).Select(r => r.ValidFrom).Distinct().Should().ContainSingle();

        await connection.ExecuteAsync($"TRUNCATE {Table("portfolio_group_membership")}");
        (await HistoryAsync(group.Uid, connectionString)).Should().HaveCount(3).And.OnlyContain(r => r.ValidTo != null);
    }

    [Test]
    public async Task Migrating_up_gives_existing_memberships_a_known_since_interval_and_down_removes_the_table_and_triggers_only()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        (await store.MigrateDownAsync(PreviousVersion)).Ran.Should().Equal(Later.Reverse());
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 20).Select(i => new PortfolioUpsert($"p{i}")));
        for (var g = 0; g < 4; g++)
        {
            await PortfolioGroup.AddAsync(store, $"g{g}", $"G{g}");
            await PortfolioGroup.AddPortfoliosAsync(store, $"g{g}", Enumerable.Range(g, 5).Select(i => (PortfolioRef)$"p{i}"));
        }

        var memberships = await PortfolioGroupMembership.FilterAsync(store);
        memberships.Should().HaveCount(20);
        var before = await DatabaseNowAsync(connectionString);

        (await store.MigrateAsync()).Ran.Should().Equal(Later);
        var history = await AllHistoryAsync(connectionString);

        history.Select(r => r.MembershipUid).Should().BeEquivalentTo(memberships.Select(m => m.Uid.ToString("D")));
        history.Should().OnlyContain(r => r.ValidTo == null);
        history.Select(r => r.ValidFrom).Distinct().Should().ContainSingle("every existing membership is known since the migration's instant");
        Instant(history[0].ValidFrom).Should().BeOnOrAfter(before - Skew);
        history.Should().OnlyContain(r => r.GroupUniqueIdentifier.StartsWith('g') && r.PortfolioUniqueIdentifier.StartsWith('p'));
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        var live = await LiveRowsAsync(connectionString);
        (await store.MigrateDownAsync(PreviousVersion)).Ran.Should().Equal(Later.Reverse());

        (await LiveRowsAsync(connectionString)).Should().Equal(live);
        (await HistoryObjectsAsync(connectionString)).Should().BeEmpty();
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            (await PhysicalSchema.ReadAsync(connection, PostgresSchema)).Keys.Should().NotContain(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        }

        // The live tables work as before without the history: cascades included.
        (await PortfolioGroup.DeleteAsync(store, "g0")).Should().BeTrue();
        (await PortfolioGroupMembership.FilterAsync(store)).Should().HaveCount(15);
    }

    private async Task<IReadOnlyList<string>> LiveRowsAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var rows = await connection.QueryAsync<string>(
            $"SELECT {Text("m.uid")} || ' ' || g.unique_identifier || ' ' || p.unique_identifier FROM {Table("portfolio_group_membership")} m "
            + $"JOIN {Table("portfolio_group")} g ON g.uid = m.portfolio_group_uid JOIN {Table("portfolio")} p ON p.uid = m.portfolio_uid");
        return [.. rows.Order(StringComparer.Ordinal)];
    }

    /// <summary>The triggers and trigger functions of the history left in the database.</summary>
    private async Task<IReadOnlyList<string>> HistoryObjectsAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var sql = Db == Db.Postgres
            ? "SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'portfolio_group_membership_history%' UNION ALL SELECT proname::text FROM pg_proc WHERE proname LIKE 'portfolio_group_membership_history%'"
            : "SELECT name FROM sqlite_master WHERE name LIKE 'portfolio_group_membership_history%'";
        return [.. await connection.QueryAsync<string>(sql)];
    }

    private async Task<DateTime> DatabaseNowAsync(string? connectionString = null)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        string now = (await connection.QueryAsync<string>(Db == Db.Postgres
            ? "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            : "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).Single();
        return Instant(now);
    }

    private Task<IReadOnlyList<HistoryRow>> HistoryAsync(Guid group, string? connectionString = null) =>
        ReadHistoryAsync($"WHERE portfolio_group_uid = '{group:D}'", connectionString);

    private Task<IReadOnlyList<HistoryRow>> AllHistoryAsync(string connectionString) => ReadHistoryAsync("", connectionString);

    private async Task<IReadOnlyList<HistoryRow>> ReadHistoryAsync(string where, string? connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var sql = $"SELECT {Text("membership_uid")} AS membership_uid, {Text("portfolio_uid")} AS portfolio_uid, "
            + "group_unique_identifier, portfolio_unique_identifier, "
            + $"{InstantText("valid_from")} AS valid_from, {InstantText(HistorySql.EffectiveEnd(Table))} AS valid_to "
            + $"FROM {Table("portfolio_group_membership_history")} h {where} ORDER BY history_id";
        return [.. await connection.QueryAsync<HistoryRow>(sql)];
    }

    private string Text(string column) => Db == Db.Postgres ? $"CAST({column} AS text)" : column;

    private string InstantText(string column) =>
        Db == Db.Postgres ? $"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" : column;

    private static DateTime Instant(string text) =>
        DateTime.ParseExact(text, ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    internal sealed record HistoryRow(string MembershipUid, string PortfolioUid, string GroupUniqueIdentifier, string PortfolioUniqueIdentifier, string ValidFrom, string? ValidTo);
}
