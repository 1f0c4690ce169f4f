using System.Data.Common;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// <see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/>: the membership table is really
/// hash-partitioned by <c>portfolio_group_uid</c> (16 partitions here), with the reshaped primary
/// key, its foreign keys, cascades and history triggers working across the partitions; migration
/// 2026120202 goes down to a plain table and up again, and <see cref="PortfolioStore.RepartitionMembershipsAsync"/>
/// rebuilds an existing populated database either way, every membership and the whole history kept.
/// The whole rows suite also runs on a partitioned store (<see cref="Db.PostgresPartitioned"/>).
/// </summary>
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Host)]
public sealed class MembershipPartitionTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const long HistoryVersion = 2026120102;

    [Test]
    public async Task The_membership_table_is_hash_partitioned_by_group_into_16_partitions_with_the_group_in_its_primary_key()
    {
        var shape = await ShapeAsync(ConnectionString);

        shape.Should().Be(new Shape(16, "h", "portfolio_group_uid", "uid,portfolio_group_uid"));
        (await PartitionNamesAsync(ConnectionString)).Should().BeEquivalentTo(Enumerable.Range(0, 16).Select(i => $"portfolio_group_membership_p{i}"));
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty("the drift check accepts the partitioned shape the store's option asks for");
        (await Store.ReadCatalogAsync()).Select(e => e.PhysicalName).Should().Contain("portfolio_group_membership");
    }

    [Test]
    public async Task Memberships_spread_over_the_partitions_and_cascades_and_history_triggers_work_across_them()
    {
        var (groups, portfolios) = await SeedAsync(groupCount: 40, portfolioCount: 10);

        await using (var connection = await OpenPlainConnectionAsync())
        {
            var used = await CountAsync(connection, $"SELECT count(DISTINCT tableoid) FROM {Table("portfolio_group_membership")} WHERE portfolio_group_uid IN ({{0}})", groups);
            used.Should().BeGreaterThan(8, "40 groups hash into most of the 16 partitions");
            var open = await CountAsync(connection, $"SELECT count(*) FROM {Table("portfolio_group_membership_history")} WHERE portfolio_group_uid IN ({{0}}) AND valid_to IS NULL", groups);
            open.Should().Be(400, "the statement-level insert trigger on the partitioned parent opened one interval per membership");
        }

        (await PortfolioGroup.DeleteAsync(Store, groups[0])).Should().BeTrue();
        (await DeletePortfolioAsync(portfolios[0])).Should().BeTrue();

        await using (var connection = await OpenPlainConnectionAsync())
        {
            (await CountAsync(connection, $"SELECT count(*) FROM {Table("portfolio_group_membership")} WHERE portfolio_group_uid = '{groups[0]:D}'"))
                .Should().Be(0, "deleting a group cascades into its partition");
            (await CountAsync(connection, $"SELECT count(*) FROM {Table("portfolio_group_membership")} WHERE portfolio_uid = '{portfolios[0]:D}'"))
                .Should().Be(0, "deleting a portfolio cascades into every partition");
            (await CountAsync(connection, $"SELECT count(*) FROM {Table("portfolio_group_membership")} WHERE portfolio_group_uid IN ({{0}})", groups))
                .Should().Be(400 - 10 - 39);
            (await CountAsync(connection, $"SELECT count(*) FROM {Table("portfolio_group_membership_history")} h WHERE portfolio_group_uid IN ({{0}}) AND {HistorySql.EffectiveEnd(Table)} IS NOT NULL", groups))
                .Should().Be(10 + 39, "the cascaded deletes closed their intervals through the parent's statement trigger");
        }

        var remaining = await PortfolioGroup.GetPortfoliosAsync(Store, groups[1]);
        remaining.Should().HaveCount(9);
    }

    [Test]
    public async Task Rebuilding_the_populated_table_into_a_plain_one_and_back_keeps_every_membership_and_the_history()
    {
        var (groups, _) = await SeedAsync(groupCount: 12, portfolioCount: 6);
        (await PortfolioGroup.RemovePortfolioAsync(Store, groups[0], (await PortfolioGroup.GetPortfoliosAsync(Store, groups[0]))[0].Uid)).Should().BeTrue();
        var before = await SnapshotAsync(ConnectionString);

        await using (var plain = await PortfolioStore.OpenPostgresAsync(ConnectionString, WithFixturePortfolioTable(new PortfolioStoreOptions())))
        {
            (await plain.CheckSchemaAsync()).Differences.Should().ContainSingle().Which.Should().Contain("hash-partitioned").And.Contain("expected a plain table");
            (await plain.RepartitionMembershipsAsync()).Should().BeTrue();
            (await plain.RepartitionMembershipsAsync()).Should().BeFalse("the table has the shape already");
            (await ShapeAsync(ConnectionString)).Should().Be(new Shape(0, null, null, "uid"));
            (await SnapshotAsync(ConnectionString)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
            (await plain.CheckSchemaAsync()).Differences.Should().BeEmpty();
        }

        (await Store.CheckSchemaAsync()).Differences.Should().ContainSingle().Which.Should().Contain("is a plain table, expected 16 hash partitions");
        (await Store.RepartitionMembershipsAsync()).Should().BeTrue();
        (await ShapeAsync(ConnectionString)).Should().Be(new Shape(16, "h", "portfolio_group_uid", "uid,portfolio_group_uid"));
        (await SnapshotAsync(ConnectionString)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        (await Store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        // The rebuilt table's triggers and cascades work.
        (await PortfolioGroup.DeleteAsync(Store, groups[1])).Should().BeTrue();
        var after = await SnapshotAsync(ConnectionString);
        after.Memberships.Should().HaveCount(before.Memberships.Count - 6);
        after.History.Should().HaveCount(before.History.Count).And.Contain(h => h.Contains(groups[1].ToString("D"), StringComparison.Ordinal) && !h.EndsWith(" open", StringComparison.Ordinal));
    }

    [Test]
    public async Task Migrating_down_leaves_a_plain_table_with_every_row_and_migrating_up_partitions_it_again()
    {
        IgnoreInHostMode();
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await SeedOnAsync(store, "d", groupCount: 10, portfolioCount: 5);
        var before = await SnapshotAsync(connectionString);

        (await store.MigrateDownAsync(HistoryVersion)).Ran.Should().Equal(MigrationTests.AllVersions.Where(v => v > HistoryVersion).Reverse());
        (await ShapeAsync(connectionString)).Should().Be(new Shape(0, null, null, "uid"));
        (await SnapshotAsync(connectionString)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering());

        (await store.MigrateAsync()).Ran.Should().Equal(MigrationTests.AllVersions.Where(v => v > HistoryVersion));
        (await ShapeAsync(connectionString)).Should().Be(new Shape(16, "h", "portfolio_group_uid", "uid,portfolio_group_uid"));
        (await SnapshotAsync(connectionString)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    [Test]
    public async Task An_existing_populated_plain_database_is_rebuilt_into_partitions_keeping_every_row_and_the_history()
    {
        IgnoreInHostMode();
        var connectionString = await NewDatabaseAsync();
        await using (var plain = await PortfolioStore.OpenPostgresAsync(connectionString))
        {
            var groups = await SeedOnAsync(plain, "e", groupCount: 20, portfolioCount: 8);
            (await PortfolioGroup.DeleteAsync(plain, groups[0])).Should().BeTrue("a closed interval is history to keep too");
            (await ShapeAsync(connectionString)).Partitions.Should().Be(0);
        }

        var before = await SnapshotAsync(connectionString);
        before.Memberships.Should().HaveCount(19 * 8);
        before.History.Should().HaveCount(20 * 8);

        await using var store = await OpenStoreAsync(connectionString);
        (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue("the option does not rebuild an existing table on open");
        (await store.CheckSchemaAsync()).Differences.Should().ContainSingle().Which.Should().Contain("RepartitionMembershipsAsync");

        (await store.RepartitionMembershipsAsync()).Should().BeTrue();

        (await ShapeAsync(connectionString)).Should().Be(new Shape(16, "h", "portfolio_group_uid", "uid,portfolio_group_uid"));
        (await SnapshotAsync(connectionString)).Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        (await store.RepartitionMembershipsAsync()).Should().BeFalse();
    }

    private sealed record Shape(int Partitions, string? Strategy, string? Key, string PrimaryKey);

    private sealed record Snapshot(IReadOnlyList<string> Memberships, IReadOnlyList<string> History);

    private void IgnoreInHostMode()
    {
        if (IsHostMode)
        {
            Assert.Ignore("runs on a new database of the library's own; the host-mode fixture rebuilds its own database");
        }
    }

    private async Task<Shape> ShapeAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var text = (await connection.QueryAsync<string>(
            "SELECT concat_ws('|', (SELECT count(*) FROM pg_inherits h WHERE h.inhparent = c.oid), "
            + "coalesce((SELECT pt.partstrat::text FROM pg_partitioned_table pt WHERE pt.partrelid = c.oid), '-'), "
            + "coalesce((SELECT a.attname::text FROM pg_partitioned_table pt JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0] WHERE pt.partrelid = c.oid AND pt.partnatts = 1), '-'), "
            + "(SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM pg_index x CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord) "
            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum WHERE x.indrelid = c.oid AND x.indisprimary)) "
            + $"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{PostgresSchema}' AND c.relname = 'portfolio_group_membership'")).Single();
        var parts = text.Split('|');
        return new Shape(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1] == "-" ? null : parts[1], parts[2] == "-" ? null : parts[2], parts[3]);
    }

    private static async Task<long> CountAsync(DbConnection connection, string sql, IEnumerable<Guid>? uids = null)
    {
        var list = uids is null ? "" : string.Join(", ", uids.Select(u => $"'{u:D}'"));
        return (await connection.QueryAsync<long>(sql.Replace("{0}", list, StringComparison.Ordinal))).Single();
    }

    private async Task<IReadOnlyList<string>> PartitionNamesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return [.. await connection.QueryAsync<string>(
            $"SELECT c.relname::text FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = '\"{PostgresSchema}\".portfolio_group_membership'::regclass")];
    }

    /// <summary>Every membership (uid, group, portfolio) and every history row, whole, in a fixed order.</summary>
    private async Task<Snapshot> SnapshotAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var memberships = await connection.QueryAsync<string>(
            $"SELECT uid::text || ' ' || portfolio_group_uid::text || ' ' || portfolio_uid::text FROM {Table("portfolio_group_membership")} ORDER BY uid");
        // An interval's end: valid_to, or its group's deletion (from 2026120206 on; migrating below writes it into valid_to).
        var hasDeletions = await connection.ExecuteScalarAsync<bool>(
            "SELECT to_regclass(@table) IS NOT NULL", new { table = Table(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName) });
        var end = hasDeletions ? HistorySql.EffectiveEnd(Table) : "h.valid_to";
        var history = await connection.QueryAsync<string>(
            "SELECT history_id::text || ' ' || membership_uid::text || ' ' || portfolio_group_uid::text || ' ' || portfolio_uid::text || ' ' "
            + "|| group_unique_identifier || ' ' || portfolio_unique_identifier || ' ' || valid_from::text || ' ' || coalesce(" + end + "::text, 'open') "
            + $"FROM {Table("portfolio_group_membership_history")} h ORDER BY history_id");
        return new Snapshot([.. memberships], [.. history]);
    }

    /// <summary>Groups, each holding every one of the portfolios, on the fixture's store.</summary>
    private async Task<(Guid[] Groups, Guid[] Portfolios)> SeedAsync(int groupCount, int portfolioCount)
    {
        var prefix = Unique("s");
        var portfolios = await SeedPortfoliosAsync([.. Enumerable.Range(0, portfolioCount).Select(p => $"{prefix}-p{p}")]);
        var groups = new Guid[groupCount];
        for (var g = 0; g < groupCount; g++)
        {
            groups[g] = (await PortfolioGroup.AddAsync(Store, $"{prefix}-g{g}", $"G{g}")).Uid;
        }

        await PortfolioGroupMembership.AddManyAsync(Store, groups.SelectMany(g => portfolios.Select(p => ((PortfolioGroupRef)g, (PortfolioRef)p))));
        return (groups, portfolios);
    }

    /// <summary>Groups, each holding every one of the portfolios, on a store of the library's own portfolio table.</summary>
    private static async Task<Guid[]> SeedOnAsync(PortfolioStore store, string prefix, int groupCount, int portfolioCount)
    {
        var ids = Enumerable.Range(0, portfolioCount).Select(p => $"{prefix}-p{p}").ToList();
        await Portfolio.UpsertManyAsync(store, ids.Select(id => new PortfolioUpsert(id)));
        var groups = new Guid[groupCount];
        for (var g = 0; g < groupCount; g++)
        {
            groups[g] = (await PortfolioGroup.AddAsync(store, $"{prefix}-g{g}", $"G{g}")).Uid;
            await PortfolioGroup.AddPortfoliosAsync(store, groups[g], ids.Select(id => (PortfolioRef)id));
        }

        return groups;
    }
}

/// <summary><see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/> is checked: out of range, or above 0 on SQLite, it is refused naming the field.</summary>
public sealed class MembershipPartitionOptionTests : TempFolderTest
{
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(PortfolioStoreOptions.MaxPostgresMembershipPartitions + 1)]
    public void A_partition_count_out_of_range_is_refused_naming_the_field(int partitions)
    {
        var make = () => new PortfolioStoreOptions { PostgresMembershipPartitions = partitions };

        var error = make.Should().Throw<InvalidValueException>().Which;
        error.Field.Should().Be(nameof(PortfolioStoreOptions.PostgresMembershipPartitions));
        error.Message.Should().Contain(partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(PortfolioStoreOptions.MaxPostgresMembershipPartitions)]
    public void A_partition_count_in_range_is_kept(int partitions) =>
        new PortfolioStoreOptions { PostgresMembershipPartitions = partitions }.PostgresMembershipPartitions.Should().Be(partitions);

    [Test]
    public async Task Partitions_are_refused_on_SQLite_and_nothing_is_opened()
    {
        var path = Path.Combine(Folder, "partitioned.db");
        var open = () => PortfolioStore.OpenSqliteAsync($"Data Source={path}", new PortfolioStoreOptions { PostgresMembershipPartitions = 16 });

        var error = (await open.Should().ThrowAsync<InvalidValueException>()).Which;
        error.Field.Should().Be(nameof(PortfolioStoreOptions.PostgresMembershipPartitions));
        error.Message.Should().Contain("PostgreSQL only");
        File.Exists(path).Should().BeFalse("a refused option opens nothing");
    }
}
