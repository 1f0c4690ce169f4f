using System.Data.Common;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.HostTable;

/// <summary>
/// A portfolio table the host owns (<see cref="PortfolioTable.Existing"/>): a host schema made by
/// plain SQL (a <c>calendar</c> table, and a <c>host_portfolio</c> table with a required
/// <c>calendar_uid</c> foreign key and more columns; on PostgreSQL in a schema of its own), and a
/// store opened on it. Reads, memberships, set queries, streams and bulk adds work on the host's
/// rows; portfolio writes are refused and reach nothing; migrations never touch the host's table.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed partial class HostPortfolioTableTests(Db db) : DatabaseTest(db)
{
    private const string HostTable = "host_portfolio";
    private Guid _calendar;
    private string _hostConnectionString = "";
    private PortfolioStore? _host;

    /// <summary>The store on the host's database, portfolios mapped to the host's table.</summary>
    private PortfolioStore Host => _host ?? throw new InvalidOperationException("The host store is not open.");

    private string? HostSchema => Db == Db.Postgres ? "host" : null;

    private string QualifiedHostTable => Db == Db.Postgres ? $"host.{HostTable}" : HostTable;

    private PortfolioTable Mapping(string? displayNameColumn = "title", string uidColumn = "id", string uniqueIdentifierColumn = "code", string table = HostTable) =>
        PortfolioTable.Existing(table, uidColumn, uniqueIdentifierColumn, displayNameColumn, HostSchema);

    [OneTimeSetUp]
    public async Task OpenHostDatabaseAsync()
    {
        _hostConnectionString = await NewDatabaseAsync();
        _calendar = await CreateHostSchemaAsync(_hostConnectionString);
        _host = await OpenStoreAsync(_hostConnectionString, new PortfolioStoreOptions { PortfolioTable = Mapping() });
    }

    [OneTimeTearDown]
    public async Task CloseHostDatabaseAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    // ---- opening ------------------------------------------------------------------------------

    [TestCase("missing_table", "id", "code", "does not exist")]
    [TestCase(HostTable, "nope", "code", "has no column nope")]
    [TestCase(HostTable, "calendar_uid", "code", "is not unique")]
    [TestCase(HostTable, "id", "currency", "is not unique")]
    [TestCase(HostTable, "id", "title", "allows null")]
    public async Task Opening_on_a_host_table_that_does_not_fit_names_the_table_and_column(string table, string uidColumn, string uniqueIdentifierColumn, string problem)
    {
        var open = () => OpenStoreAsync(_hostConnectionString, new PortfolioStoreOptions { PortfolioTable = Mapping(null, uidColumn, uniqueIdentifierColumn, table) });

        var error = (await open.Should().ThrowAsync<StoreOpenException>()).Which;
        error.Failure.Should().Be(StoreOpenFailure.PortfolioTableMismatch);
        error.Message.Should().Contain(table).And.Contain(problem);
    }

    [Test]
    public async Task Opening_on_a_uid_column_of_the_wrong_type_names_it()
    {
        // The code column is unique and not null, but it holds text: fine on SQLite, not a uuid on PostgreSQL.
        await using var connection = await OpenPlainConnectionAsync(_hostConnectionString);
        var wrongType = Db == Db.Postgres ? "integer" : "INTEGER";
        await connection.ExecuteAsync($"CREATE TABLE {(Db == Db.Postgres ? "host." : "")}int_portfolio (id {wrongType} PRIMARY KEY, code text NOT NULL UNIQUE)");

        var open = () => OpenStoreAsync(_hostConnectionString, new PortfolioStoreOptions { PortfolioTable = Mapping(null, table: "int_portfolio") });

        var error = (await open.Should().ThrowAsync<StoreOpenException>()).Which;
        error.Failure.Should().Be(StoreOpenFailure.PortfolioTableMismatch);
        error.Message.Should().Contain("int_portfolio.id").And.Contain("is of type");
    }

    [Test]
    public void Mapping_names_that_are_not_plain_identifiers_are_refused_naming_the_parameter()
    {
        FluentActions.Invoking(() => PortfolioTable.Existing("Host Portfolio")).Should().Throw<InvalidValueException>().Which.Field.Should().Be("table");
        FluentActions.Invoking(() => PortfolioTable.Existing("p", uidColumn: "id;drop")).Should().Throw<InvalidValueException>().Which.Field.Should().Be("uidColumn");
        FluentActions.Invoking(() => PortfolioTable.Existing("p", "id", "id")).Should().Throw<InvalidValueException>();
        FluentActions.Invoking(() => new PortfolioStoreOptions { PortfolioTable = null! }).Should().Throw<InvalidValueException>().Which.Field.Should().Be("PortfolioTable");
    }

    [Test]
    public async Task A_schema_is_refused_on_sqlite_and_names_a_missing_one_on_postgres()
    {
        var open = () => OpenStoreAsync(_hostConnectionString, new PortfolioStoreOptions { PortfolioTable = PortfolioTable.Existing(HostTable, "id", "code", schema: "elsewhere") });

        if (Db == Db.Sqlite)
        {
            (await open.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("PortfolioTable.schema");
        }
        else
        {
            (await open.Should().ThrowAsync<StoreOpenException>()).Which.Message.Should().Contain("elsewhere.host_portfolio does not exist");
        }
    }

    // ---- reads ------------------------------------------------------------------------------

    [Test]
    public async Task A_portfolio_read_carries_the_host_row_mapped_columns()
    {
        var (uid, code) = (await InsertHostPortfoliosAsync(_hostConnectionString, Unique("read"), 1))[0];

        var byUid = await Portfolio.GetAsync(Host, uid);
        var byCode = await Portfolio.GetAsync(Host, code);

        byUid.UniqueIdentifier.Should().Be(code);
        byUid.DisplayName.Should().Be($"Title of {code}");
        byCode.Uid.Should().Be(uid);
        (await Portfolio.FindAsync(Host, Unique("none"))).Should().BeNull();

        await using var unmapped = await OpenStoreAsync(_hostConnectionString, new PortfolioStoreOptions { PortfolioTable = Mapping(displayNameColumn: null) });
        (await Portfolio.GetAsync(unmapped, uid)).DisplayName.Should().BeNull();
    }

    [Test]
    public async Task Filters_listings_and_streams_read_the_host_rows()
    {
        var prefix = Unique("list");
        var rows = await InsertHostPortfoliosAsync(_hostConnectionString, prefix, 5);
        var uids = rows.Select(r => r.Uid).ToList();

        var bySearch = await Portfolio.FilterAsync(Host, new PortfolioFilter { Search = prefix });
        var byKeys = await Portfolio.FilterAsync(Host, new PortfolioFilter { Uids = [uids[0]], UniqueIdentifiers = [rows[1].Code] });
        var streamed = new List<Guid>();
        await foreach (var p in Portfolio.StreamAsync(Host, new PortfolioFilter { Search = prefix }))
        {
            streamed.Add(p.Uid);
        }

        bySearch.Select(p => p.Uid).Should().BeEquivalentTo(uids);
        byKeys.Select(p => p.Uid).Should().BeEquivalentTo([uids[0], uids[1]]);
        streamed.Should().BeEquivalentTo(uids).And.BeInAscendingOrder();
    }

    [Test]
    public async Task Memberships_and_set_queries_work_on_the_host_rows()
    {
        var prefix = Unique("set");
        var rows = await InsertHostPortfoliosAsync(_hostConnectionString, prefix, 4);
        var (a, b) = (prefix + "-a", prefix + "-b");
        await PortfolioGroup.CreateAsync(Host, a, "A");
        await PortfolioGroup.CreateAsync(Host, b, "B");

        await PortfolioGroupMembership.AddAsync(Host, a, rows[0].Uid);
        await PortfolioGroup.AddPortfolioAsync(Host, a, rows[1].Code);
        await PortfolioGroup.AddPortfoliosAsync(Host, b, [rows[1].Code, rows[2].Uid]);

        (await PortfolioGroup.GetPortfoliosAsync(Host, a)).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo([rows[0].Code, rows[1].Code]);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Host, rows[1].Code)).Select(g => g.UniqueIdentifier).Should().BeEquivalentTo([a, b]);
        (await Portfolio.FilterAsync(Host, new PortfolioFilter { Search = prefix, InAllGroups = [a, b] })).Select(p => p.Uid).Should().Equal(rows[1].Uid);
        (await Portfolio.FilterAsync(Host, new PortfolioFilter { Search = prefix, InAnyGroup = [a, b] })).Should().HaveCount(3);
        (await Portfolio.FilterAsync(Host, new PortfolioFilter { Search = prefix, NotInGroups = [a, b] })).Select(p => p.Uid).Should().Equal(rows[3].Uid);
        var streamed = new List<string>();
        await foreach (var p in PortfolioGroup.StreamPortfoliosAsync(Host, b))
        {
            streamed.Add(p.UniqueIdentifier);
        }

        streamed.Should().BeEquivalentTo([rows[1].Code, rows[2].Code]);
        var groupsStreamed = new List<string>();
        await foreach (var g in PortfolioGroup.StreamGroupsForPortfolioAsync(Host, rows[1].Uid))
        {
            groupsStreamed.Add(g.UniqueIdentifier);
        }

        groupsStreamed.Should().BeEquivalentTo([a, b]);
        (await PortfolioGroupMembership.FilterAsync(Host, new PortfolioGroupMembershipFilter { PortfolioUniqueIdentifiers = [rows[1].Code] })).Should().HaveCount(2);
        (await PortfolioGroupMembership.FilterAsync(Host, new PortfolioGroupMembershipFilter { PortfolioUids = [rows[2].Uid] })).Should().ContainSingle();
        var byPortfolio = await PortfolioGroup.GetGroupsForPortfoliosAsync(Host, [rows[1].Code, rows[3].Uid]);
        byPortfolio[rows[1].Uid].Select(g => g.UniqueIdentifier).Should().BeEquivalentTo([a, b]);
        byPortfolio[rows[3].Uid].Should().BeEmpty();
        await PortfolioGroup.SetPortfoliosAsync(Host, b, [rows[3].Code]);
        (await PortfolioGroup.GetPortfoliosAsync(Host, b)).Select(p => p.Uid).Should().Equal(rows[3].Uid);
        var membership = (await PortfolioGroupMembership.FilterAsync(Host, new PortfolioGroupMembershipFilter { GroupUniqueIdentifiers = [b] })).Single();
        (await PortfolioGroupMembership.UpdateAsync(Host, membership.Uid, new PortfolioGroupMembershipChanges { Portfolio = rows[2].Code })).PortfolioUid.Should().Be(rows[2].Uid);
        (await PortfolioGroup.RemovePortfolioAsync(Host, a, rows[0].Code)).Should().BeTrue();
        var missing = () => PortfolioGroupMembership.AddAsync(Host, a, Unique("nobody"));
        (await missing.Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("Portfolio");
    }

    [Test]
    public async Task A_bulk_add_resolves_pairs_against_the_host_rows_and_names_missing_ones()
    {
        var prefix = Unique("bulk");
        var rows = await InsertHostPortfoliosAsync(_hostConnectionString, prefix, 50);
        var group = prefix + "-g";
        await PortfolioGroup.CreateAsync(Host, group, "G");

        var added = await PortfolioGroupMembership.AddManyAsync(Host, rows.Select((r, i) => ((PortfolioGroupRef)group, i % 2 == 0 ? (PortfolioRef)r.Uid : r.Code)));
        added.Added.Should().Be(50);
        (await PortfolioGroup.CountPortfoliosAsync(Host, [group])).Values.Single().Should().Be(50);

        var missing = () => PortfolioGroupMembership.AddManyAsync(Host, [((PortfolioGroupRef)group, (PortfolioRef)Unique("nobody"))]);
        await missing.Should().ThrowAsync<RowNotFoundException>();
    }

    // ---- writes -----------------------------------------------------------------------------

    [Test]
    public async Task Portfolio_writes_are_refused_and_none_reaches_the_host_table()
    {
        var (uid, code) = (await InsertHostPortfoliosAsync(_hostConnectionString, Unique("w"), 1))[0];
        var before = await HostTableSnapshotAsync();

        Func<Task>[] writes =
        [
            () => Portfolio.AddAsync(Host, Unique("new")),
            () => Portfolio.CreateAsync(Host, Unique("new"), "x"),
            () => Portfolio.UpsertAsync(Host, code, "changed"),
            () => Portfolio.UpdateAsync(Host, uid, new PortfolioChanges { DisplayName = "changed" }),
            () => Portfolio.DeleteAsync(Host, uid),
            () => Portfolio.BulkDeleteAsync(Host, [uid], [code]),
            () => Portfolio.UpsertManyAsync(Host, [new PortfolioUpsert(Unique("new"))]),
        ];
        foreach (var write in writes)
        {
            (await write.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain(HostTable).And.Contain("PortfolioTable.Existing");
        }

        (await HostTableSnapshotAsync()).Should().Be(before);
    }

    // ---- the cascade ------------------------------------------------------------------------

    [Test]
    public async Task Deleting_a_host_portfolio_with_plain_sql_removes_its_memberships_and_nothing_else()
    {
        var prefix = Unique("cas");
        var rows = await InsertHostPortfoliosAsync(_hostConnectionString, prefix, 2);
        var group = prefix + "-g";
        await PortfolioGroup.CreateAsync(Host, group, "G");
        await PortfolioGroup.AddPortfoliosAsync(Host, group, [rows[0].Uid, rows[1].Uid]);

        await using (var connection = await OpenPlainConnectionAsync(_hostConnectionString))
        {
            await connection.ExecuteAsync($"DELETE FROM {QualifiedHostTable} WHERE id = @id", new { id = Uid(rows[0].Uid) });
        }

        (await PortfolioGroup.GetPortfoliosAsync(Host, group)).Select(p => p.Uid).Should().Equal(rows[1].Uid);
        (await PortfolioGroup.FindAsync(Host, group)).Should().NotBeNull();
        (await Portfolio.FindAsync(Host, rows[1].Uid)).Should().NotBeNull();
    }

    // ---- migrations, drift, catalog, script --------------------------------------------------

    [Test]
    public async Task Migrations_create_only_the_library_tables_and_down_leaves_the_host_table_as_it_was()
    {
        var connectionString = await NewDatabaseAsync();
        await CreateHostSchemaAsync(connectionString);
        await InsertHostPortfoliosAsync(connectionString, "m", 3);
        var hostBefore = await HostTablesAsync(connectionString);
        var rowsBefore = await HostTableSnapshotAsync(connectionString);

        await using (var store = await OpenStoreAsync(connectionString, new PortfolioStoreOptions { PortfolioTable = Mapping(), MigrateOnOpen = false }))
        {
            var script = await store.ScriptMigrationsAsync();
            script.Sql.Should().Contain("portfolio_group_membership").And.Contain(HostTable);
            script.Sql.Should().NotMatchRegex("(?i)(CREATE|ALTER|DROP) TABLE (\"?\\w+\"?\\.)?\"?host_portfolio\\b");
            script.Sql.Should().NotContain("\"portfolio\"");

            (await store.MigrateAsync()).Ran.Should().Equal(PortfolioStore.LibraryMigrationVersions);
            (await LibraryTablesAsync(connectionString)).Should().BeEquivalentTo("portfolio_group", "portfolio_group_membership", "portfolio_group_membership_history", "portfolio_group_deletion_history", "portfolio_group_membership_history_identifier", "portfoliogroups_catalog", "portfoliogroups_version_info");
            (await HostTablesAsync(connectionString)).Should().BeEquivalentTo(hostBefore);

            (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
            var catalog = (await store.ReadCatalogAsync()).Single(e => e.MetaTableIdentifier == "Portfolio");
            catalog.PhysicalName.Should().Be(QualifiedHostTable);
            catalog.Columns.Select(c => c.Name).Should().Equal("id", "code", "title");
            var model = SchemaModel.MetaTablesFor(store.PortfolioTable);
            model.Single(t => t.Identifier == "Portfolio").PhysicalName.Should().Be(QualifiedHostTable);
            model.Single(t => t.Identifier == "PortfolioGroupMembership").ForeignKeys.Should().Contain(f => f.PrincipalTable == HostTable && f.PrincipalColumn == "id");
            SchemaModel.MetaTablesFor(PortfolioTable.Library).Should().BeSameAs(SchemaModel.MetaTables);

            await PortfolioGroup.CreateAsync(store, "g", "G");
            await PortfolioGroup.AddPortfolioAsync(store, "g", "m-0000");

            var refused = () => store.MigrateDownAsync(0);
            (await refused.Should().ThrowAsync<InvalidValueException>()).Which.Message.Should().Contain("the host's portfolio table stays as it is");
            (await store.MigrateDownAsync(0, allowDataLoss: true)).Status.AppliedVersions.Should().BeEmpty();
            (await LibraryTablesAsync(connectionString)).Should().BeEquivalentTo("portfoliogroups_version_info");
            (await HostTablesAsync(connectionString)).Should().BeEquivalentTo(hostBefore);
            (await HostTableSnapshotAsync(connectionString)).Should().Be(rowsBefore);

            (await store.MigrateAsync()).Ran.Should().HaveCount(PortfolioStore.LibraryMigrationVersions.Count);
            (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        }
    }

    [Test]
    public async Task The_newest_migration_adds_its_group_rules_and_no_rule_trigger_or_rebuild_on_the_host_table()
    {
        var connectionString = await NewDatabaseAsync();
        await CreateHostSchemaAsync(connectionString);
        var rows = await InsertHostPortfoliosAsync(connectionString, "n", 2);
        var hostBefore = await HostTablesAsync(connectionString);
        var ddlBefore = await HostTableDefinitionAsync(connectionString);
        var rowsBefore = await HostTableSnapshotAsync(connectionString);

        await using var store = await OpenStoreAsync(connectionString, new PortfolioStoreOptions { PortfolioTable = Mapping(), MigrateOnOpen = false });
        await store.MigrateAsync();
        (await store.GetMigrationStatusAsync()).AppliedVersions.Should().Equal(PortfolioStore.LibraryMigrationVersions);
        PortfolioStore.LibraryMigrationVersions.Should().Contain(2026120101);

        // The host's table is as it was: no rebuild (same definition and rows), no CHECK, no trigger.
        (await HostTableDefinitionAsync(connectionString)).Should().Be(ddlBefore);
        (await HostTablesAsync(connectionString)).Should().Be(hostBefore);
        (await HostTableSnapshotAsync(connectionString)).Should().Be(rowsBefore);

        // The group and membership parts applied: the drift check (the depth rule on the group
        // included) is clean, and the membership's key still points at the host's table.
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        var deep = new string('[', 70) + new string(']', 70);
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            var insertDeep = () => connection.ExecuteAsync(
                $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name, metadata_json) VALUES (@uid, 'deep', 'Deep', @metadata{(Db == Db.Postgres ? "::jsonb" : "")})",
                new { uid = Uid(Guid.NewGuid()), metadata = "{\"a\":" + deep + "}" });
            await insertDeep.Should().ThrowAsync<DbException>();
        }

        await PortfolioGroup.CreateAsync(store, "n-group", "N");
        await PortfolioGroup.AddPortfolioAsync(store, "n-group", rows[0].Code);
        (await PortfolioGroup.GetPortfoliosAsync(store, "n-group")).Select(p => p.Uid).Should().Equal(rows[0].Uid);

        // Down below 2026120101 (the history's version goes too): the host's table is still as it was, and the memberships stay.
        var before = PortfolioStore.LibraryMigrationVersions[PortfolioStore.LibraryMigrationVersions.ToList().IndexOf(2026120101) - 1];
        await store.MigrateDownAsync(before);
        (await store.GetMigrationStatusAsync()).AppliedVersions.Should().NotContain(2026120101).And.Contain(before);
        (await HostTableDefinitionAsync(connectionString)).Should().Be(ddlBefore);
        (await HostTablesAsync(connectionString)).Should().Be(hostBefore);
        (await HostTableSnapshotAsync(connectionString)).Should().Be(rowsBefore);
        (await PortfolioGroup.GetPortfoliosAsync(store, "n-group")).Select(p => p.Uid).Should().Equal(rows[0].Uid);
    }

    [Test]
    public async Task The_drift_check_expects_the_membership_key_on_the_host_table_and_reports_a_change()
    {
        (await Host.CheckSchemaAsync()).Differences.Should().BeEmpty();

        // The library-mode check on the same database misses its portfolio table and sees the key elsewhere.
        await using var connection = await OpenPlainConnectionAsync(_hostConnectionString);
        await connection.ExecuteAsync($"ALTER TABLE {Table("portfolio_group")} ADD COLUMN extra_column TEXT");
        try
        {
            (await Host.CheckSchemaAsync()).Differences.Should().ContainSingle().Which.Should().Contain("portfolio_group.extra_column");
        }
        finally
        {
            await connection.ExecuteAsync($"ALTER TABLE {Table("portfolio_group")} DROP COLUMN extra_column");
        }
    }

    // ---- the host's schema --------------------------------------------------------------------

    /// <summary>The host's own tables, made by plain SQL; returns the uid of its one calendar.</summary>
    private async Task<Guid> CreateHostSchemaAsync(string connectionString)
    {
        var calendar = Guid.NewGuid();
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync(
                "CREATE SCHEMA host; "
                + "CREATE TABLE host.calendar (uid uuid PRIMARY KEY, name text NOT NULL); "
                + "CREATE TABLE host.host_portfolio (id uuid PRIMARY KEY, code varchar(100) NOT NULL UNIQUE, title text, "
                + "calendar_uid uuid NOT NULL REFERENCES host.calendar (uid), currency char(3) NOT NULL DEFAULT 'USD', created_at timestamptz NOT NULL DEFAULT now())");
            await connection.ExecuteAsync("INSERT INTO host.calendar (uid, name) VALUES (@calendar, 'NYSE')", new { calendar });
        }
        else
        {
            await connection.ExecuteAsync(
                "CREATE TABLE calendar (uid TEXT PRIMARY KEY, name TEXT NOT NULL); "
                + "CREATE TABLE host_portfolio (id TEXT NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT, "
                + "calendar_uid TEXT NOT NULL REFERENCES calendar (uid), currency TEXT NOT NULL DEFAULT 'USD', created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)");
            await connection.ExecuteAsync("INSERT INTO calendar (uid, name) VALUES (@calendar, 'NYSE')", new { calendar = calendar.ToString() });
        }

        return calendar;
    }

    /// <summary>Inserts host portfolios with plain SQL, as the host application would: codes <c>{prefix}-0000</c> on.</summary>
    internal async Task<IReadOnlyList<(Guid Uid, string Code)>> InsertHostPortfoliosAsync(string connectionString, string prefix, int count)
    {
        var rows = Enumerable.Range(0, count).Select(i => (Uid: Guid.CreateVersion7(), Code: $"{prefix}-{i:0000}")).ToList();
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        string? calendar = await connection.ExecuteScalarAsync<string?>($"SELECT CAST(uid AS TEXT) FROM {(Db == Db.Postgres ? "host." : "")}calendar");
        await using var transaction = await connection.BeginTransactionAsync();
        var sql = Db == Db.Postgres
            ? "INSERT INTO host.host_portfolio (id, code, title, calendar_uid) SELECT i, c, 'Title of ' || c, CAST(@calendar AS uuid) FROM unnest(@ids, @codes) AS r(i, c)"
            : "INSERT INTO host_portfolio (id, code, title, calendar_uid) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'Title of ' || json_extract(value, '$[1]'), @calendar FROM json_each(@rows)";
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync(sql, new { calendar, ids = rows.Select(r => r.Uid).ToArray(), codes = rows.Select(r => r.Code).ToArray() }, transaction);
        }
        else
        {
            var json = "[" + string.Join(",", rows.Select(r => $"[\"{r.Uid}\",\"{r.Code}\"]")) + "]";
            await connection.ExecuteAsync(sql, new { calendar, rows = json }, transaction);
        }

        await transaction.CommitAsync();
        return rows;
    }

    private object Uid(Guid uid) => Db == Db.Postgres ? uid : uid.ToString();

    /// <summary>Every row of the host's table, as one text: any write to it changes this.</summary>
    private async Task<string> HostTableSnapshotAsync(string? connectionString = null)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString ?? _hostConnectionString);
        var rows = await connection.QueryAsync<string>(
            $"SELECT CAST(id AS TEXT) || '|' || code || '|' || COALESCE(title, '') || '|' || CAST(calendar_uid AS TEXT) || '|' || currency FROM {QualifiedHostTable} ORDER BY code");
        return string.Join("\n", rows);
    }

    /// <summary>
    /// The host's table's definition and what hangs on it: on SQLite its CREATE statement (a
    /// rebuild or an added CHECK changes it) and its triggers; on PostgreSQL its CHECK constraints
    /// and its triggers.
    /// </summary>
    private async Task<string> HostTableDefinitionAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var parts = Db == Db.Postgres
            ? await connection.QueryAsync<string>(
                "SELECT 'check ' || conname FROM pg_constraint WHERE contype = 'c' AND conrelid = 'host.host_portfolio'::regclass "
                + "UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'host.host_portfolio'::regclass "
                + "UNION ALL SELECT 'oid ' || CAST('host.host_portfolio'::regclass::oid AS text) ORDER BY 1")
            : await connection.QueryAsync<string>(
                "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE tbl_name = @table AND type IN ('table', 'trigger') ORDER BY type, name",
                new { table = HostTable });
        return string.Join("\n", parts);
    }

    /// <summary>The host's tables as the database describes them (columns, keys, indexes).</summary>
    private async Task<string> HostTablesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await PhysicalSchema.ReadAsync(connection, HostSchema ?? PostgresSchema);
        return string.Join(
            "\n",
            tables.Where(t => t.Key is "calendar" or HostTable).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
                $"{t.Key}: {string.Join(", ", t.Value.Columns)} pk({string.Join(",", t.Value.PrimaryKey)}) fk({string.Join(", ", t.Value.ForeignKeys)}) ix({string.Join(", ", t.Value.Indexes.Select(i => i.Name + ":" + string.Join(",", i.Columns)))})"));
    }

    private async Task<IReadOnlyList<string>> LibraryTablesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await PhysicalSchema.ReadAsync(connection, PostgresSchema);
        return [.. tables.Keys.Where(k => k is not ("calendar" or HostTable or "int_portfolio"))];
    }
}
