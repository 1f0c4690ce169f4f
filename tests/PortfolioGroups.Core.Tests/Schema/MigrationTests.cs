using Dapper;
using FluentMigrator;
using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class MigrationTests(Db db) : DatabaseTest(db)
{
    internal static readonly long[] AllVersions = [2026112301, 2026112302, 2026112901, 2026112902, 2026120101, 2026120102, 2026120201, 2026120202, 2026120203, 2026120204, 2026120205, 2026120206, 2026120207, 2026120208, 2026120301, 2026120302, 2026120303, 2026120401];

    /// <summary><paramref name="version"/> and the versions after it, in order: what migrating down to the version before it reverts, and migrating up applies again.</summary>
    internal static long[] From(long version) => [.. AllVersions.Where(v => v >= version)];

    [Test]
    public async Task Opening_a_store_applies_every_migration_and_migrating_again_is_a_no_op()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);

        var status = await store.GetMigrationStatusAsync();
        status.AppliedVersions.Should().Equal(AllVersions);
        status.PendingVersions.Should().BeEmpty();
        status.IsUpToDate.Should().BeTrue();

        var again = await store.MigrateAsync();
        again.Ran.Should().BeEmpty();
        again.Status.AppliedVersions.Should().Equal(AllVersions);
    }

    [Test]
    public async Task A_store_opened_without_migrating_reports_pending_versions_and_migrate_applies_them()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString, new PortfolioStoreOptions { MigrateOnOpen = false });

        (await store.GetMigrationStatusAsync()).PendingVersions.Should().Equal(AllVersions);
        (await store.ReadCatalogAsync()).Should().BeEmpty();

        var result = await store.MigrateAsync();
        result.Ran.Should().Equal(AllVersions);
        result.Status.CurrentVersion.Should().Be(AllVersions[^1]);
    }

    [Test]
    public async Task Migrating_down_to_zero_drops_everything_and_up_again_restores_it()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);

        var down = await store.MigrateDownAsync(0, allowDataLoss: true);
        down.Ran.Should().Equal(AllVersions.Reverse());
        down.Status.AppliedVersions.Should().BeEmpty();
        (await ReadTablesAsync(connectionString)).Should().BeEquivalentTo([SchemaModel.VersionTableName]);

        var up = await store.MigrateAsync();
        up.Ran.Should().Equal(AllVersions);
        (await ReadTablesAsync(connectionString)).Should().BeEquivalentTo(SchemaModel.AllTables.Select(t => t.PhysicalName).Append(SchemaModel.VersionTableName));
        (await store.ReadCatalogAsync()).Should().HaveCount(6);
    }

    [Test]
    public async Task Reverting_the_group_index_drop_recreates_the_index_and_reapplying_drops_it()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        const string index = "ix_portfolio_group_membership_group";

        (await MembershipIndexesAsync(connectionString)).Should().NotContain(index);
        (await store.MigrateDownAsync(AllVersions[1])).Ran.Should().Equal(AllVersions.Skip(2).Reverse());
        (await MembershipIndexesAsync(connectionString)).Should().Contain(index);
        (await store.MigrateAsync()).Ran.Should().Equal(AllVersions.Skip(2));
        (await MembershipIndexesAsync(connectionString)).Should().NotContain(index);
    }

    [Test]
    public async Task Calls_on_a_database_migrated_down_say_the_schema_is_not_migrated()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await store.MigrateDownAsync(0, allowDataLoss: true);

        var add = () => Portfolio.AddAsync(store, "after-down");
        var read = () => PortfolioGroup.FilterAsync(store);

        (await add.Should().ThrowExactlyAsync<PortfolioGroupsException>()).Which.Message.Should().Contain("not migrated").And.Contain("MigrateAsync");
        (await read.Should().ThrowExactlyAsync<PortfolioGroupsException>()).Which.InnerException.Should().BeAssignableTo<System.Data.Common.DbException>();
    }

    [Test]
    public async Task Migrating_down_to_a_version_that_is_not_applied_is_refused_and_drops_nothing()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var portfolio = await Portfolio.AddAsync(store, "kept");

        var down = () => store.MigrateDownAsync(12345, allowDataLoss: true);

        (await down.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("targetVersion");
        (await store.GetMigrationStatusAsync()).AppliedVersions.Should().Equal(AllVersions);
        (await Portfolio.GetAsync(store, "kept")).Should().Be(portfolio);
    }

    [Test]
    public async Task Migrating_down_past_the_tables_needs_an_explicit_allowance_for_the_data_it_drops()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var portfolio = await Portfolio.AddAsync(store, "kept");

        var down = () => store.MigrateDownAsync(0);

        (await down.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("allowDataLoss");
        (await Portfolio.GetAsync(store, "kept")).Should().Be(portfolio);
        (await store.MigrateDownAsync(AllVersions[0])).Ran.Should().NotBeEmpty("reverting what holds no rows needs no allowance");
    }

    [Test]
    public async Task A_database_migrated_by_a_newer_library_is_refused_naming_both_versions_and_left_untouched()
    {
        var connectionString = await NewDatabaseAsync();
        await using (await OpenStoreAsync(connectionString))
        {
        }

        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync($"INSERT INTO {Table(SchemaModel.VersionTableName)} (version, applied_on, description) VALUES (2099010101, CURRENT_TIMESTAMP, 'from the future')");
            await connection.ExecuteAsync($"UPDATE {Table("portfoliogroups_catalog")} SET description = 'written by the newer library'");
        }

        var open = () => OpenStoreAsync(connectionString);

        var error = (await open.Should().ThrowExactlyAsync<PortfolioGroupsException>()).Which;
        error.Message.Should().Contain("2099010101").And.Contain(AllVersions[^1].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var plain = await OpenPlainConnectionAsync(connectionString);
        (await plain.QueryAsync<string>($"SELECT description FROM {Table("portfoliogroups_catalog")}")).Should().OnlyContain(d => d == "written by the newer library");
    }

    [Test]
    public async Task Migrating_down_to_a_version_reverts_only_the_newer_migrations()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);

        var down = await store.MigrateDownAsync(AllVersions[0]);

        down.Ran.Should().Equal(AllVersions.Skip(1).Reverse());
        down.Status.AppliedVersions.Should().Equal(AllVersions[0]);
        (await ReadTablesAsync(connectionString)).Should().NotContain(SchemaModel.Catalog.PhysicalName).And.Contain("portfolio_group");
    }

    [Test]
    public async Task The_catalog_records_each_MetaTable_with_its_columns_and_the_schema_version()
    {
        var catalog = await Store.ReadCatalogAsync();

        catalog.Select(e => e.MetaTableIdentifier).Should().Equal("Portfolio", "PortfolioGroup", "PortfolioGroupDeletionHistory", "PortfolioGroupMembership", "PortfolioGroupMembershipHistory", "PortfolioGroupMembershipHistoryIdentifier");
        foreach (var entry in catalog)
        {
            var model = SchemaModel.FindTable(entry.MetaTableIdentifier)!;
            entry.PhysicalName.Should().Be(model.PhysicalName);
            entry.Description.Should().Be(model.Description);
            entry.SchemaVersion.Should().Be(AllVersions[^1]);
            entry.Columns.Should().Equal(model.Columns.Select(c => new CatalogColumn(c.Name, c.Label, c.Description, c.Kind.ToString(), c.IsNullable, c.MaxLength)));
        }
    }

    [Test]
    public async Task Migrating_an_up_to_date_database_only_reads()
    {
        using var counter = new CommandCounter();

        var commands = await counter.RecordAsync(() => Store.MigrateAsync());

        commands.Select(c => c.OperationName).Should().OnlyContain(name => name == "migrate.status" || name == "catalog.check");
    }

    [Test]
    public async Task A_stale_catalog_is_rewritten_by_the_next_migrate_call()
    {
        var connectionString = await NewDatabaseAsync();
        await using (await OpenStoreAsync(connectionString))
        {
        }

        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync($"DELETE FROM {Table("portfoliogroups_catalog")} WHERE meta_table_identifier = 'Portfolio'");
            await connection.ExecuteAsync($"UPDATE {Table("portfoliogroups_catalog")} SET description = 'tampered'");
        }

        await using var store = await OpenStoreAsync(connectionString);
        var catalog = await store.ReadCatalogAsync();

        catalog.Select(e => e.MetaTableIdentifier).Should().Equal("Portfolio", "PortfolioGroup", "PortfolioGroupDeletionHistory", "PortfolioGroupMembership", "PortfolioGroupMembershipHistory", "PortfolioGroupMembershipHistoryIdentifier");
        catalog.Should().OnlyContain(e => e.Description == SchemaModel.FindTable(e.MetaTableIdentifier)!.Description);
    }

    [Test]
    public async Task The_catalog_can_be_read_with_plain_sql()
    {
        await using var connection = await OpenPlainConnectionAsync();

        var rows = (await connection.QueryAsync<CatalogName>(
            $"SELECT meta_table_identifier, physical_name FROM {Table("portfoliogroups_catalog")} ORDER BY meta_table_identifier")).ToList();

        rows.Select(r => (r.MetaTableIdentifier, r.PhysicalName)).Should().Equal(("Portfolio", "portfolio"), ("PortfolioGroup", "portfolio_group"), ("PortfolioGroupDeletionHistory", "portfolio_group_deletion_history"), ("PortfolioGroupMembership", "portfolio_group_membership"), ("PortfolioGroupMembershipHistory", "portfolio_group_membership_history"), ("PortfolioGroupMembershipHistoryIdentifier", "portfolio_group_membership_history_identifier"));
    }

    [Test]
    public async Task The_library_history_coexists_with_a_host_applications_own_FluentMigrator_history()
    {
        var connectionString = await NewDatabaseAsync();
        RunHostMigrations(connectionString);
        await using (var store = await OpenStoreAsync(connectionString))
        {
            (await store.GetMigrationStatusAsync()).AppliedVersions.Should().Equal(AllVersions);
        }

        // The host runs its migrations again: its history still says its own migration ran, and nothing else.
        RunHostMigrations(connectionString);
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        (await connection.QueryAsync<long>($"SELECT \"Version\" FROM {Table("VersionInfo")}")).Should().Equal(HostCreateWidgets.Version);
        (await connection.QueryAsync<long>($"SELECT version FROM {Table(SchemaModel.VersionTableName)} ORDER BY version")).Should().Equal(AllVersions);
        (await ReadTablesAsync(connectionString)).Should().Contain(["host_widget", "portfolio"]);
    }




    private async Task<IReadOnlyList<string>> ReadTablesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return (await PhysicalSchema.ReadAsync(connection, PostgresSchema)).Keys.ToList();
    }

    private void RunHostMigrations(string connectionString)
    {
        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                if (Db == Db.Postgres)
                {
                    runner.AddPostgres15_0();
                }
                else
                {
                    runner.AddSQLite();
                }

                runner.WithGlobalConnectionString(connectionString).ScanIn(typeof(HostCreateWidgets).Assembly).For.Migrations();
            });
        using var provider = services.BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        scope.ServiceProvider.GetRequiredService<IMigrationRunner>().MigrateUp();
    }

    private async Task<IReadOnlyList<string>> MembershipIndexesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return (await PhysicalSchema.ReadAsync(connection, PostgresSchema))["portfolio_group_membership"].Indexes.Select(i => i.Name).ToList();
    }

    internal sealed record CatalogName(string MetaTableIdentifier, string PhysicalName);
}

[Migration(Version)]
public sealed class HostCreateWidgets : Migration
{
    public const long Version = 1;

    public override void Up() => Create.Table("host_widget").WithColumn("id").AsInt32().PrimaryKey();

    public override void Down() => Delete.Table("host_widget");
}
