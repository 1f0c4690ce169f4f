using System.Data.Common;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Tests.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Migration 2026120101: the database refuses metadata nested deeper than the library writes (64
/// levels), and on SQLite a uid that is not a canonical lower-case UUID, for every writer; a
/// populated database goes up, down and up with nothing lost; a bad row left by an outside writer
/// fails the migration, which changes nothing.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class ShapeRuleTests(Db db) : DatabaseTest(db)
{
    private const long PreviousVersion = 2026112902;
    private const long Version = 2026120101;

    [TestCase("{}", 64)]
    [TestCase("[]", 64)]
    [TestCase("mixed", 64)]
    [TestCase("{}", 65)]
    [TestCase("[]", 65)]
    [TestCase("mixed", 65)]
    [TestCase("{}", 500)]
    public async Task Outside_metadata_is_refused_exactly_when_it_nests_deeper_than_the_library_writes(string shape, int depth)
    {
        var json = Nested(shape, depth);
        var libraryAccepts = true;
        try
        {
            await PortfolioGroup.AddAsync(Store, Unique("lib"), "Library", metadata: JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1_000 }).RootElement);
        }
        catch (InvalidValueException)
        {
            libraryAccepts = false;
        }

        libraryAccepts.Should().Be(depth <= 64, "the library writes at most 64 levels");
        await using var connection = await OpenPlainConnectionAsync();
        var name = Unique("outside");
        var insert = () => connection.ExecuteAsync(
            $"INSERT INTO {Table("portfolio_group")} (unique_identifier, display_name, metadata_json) VALUES (@name, 'Outside', {Json("@metadata_json")})",
            new OutsideRow(name, null, json));
        var existing = Unique("existing");
        await connection.ExecuteAsync($"INSERT INTO {Table("portfolio_group")} (unique_identifier, display_name) VALUES (@name, 'Outside')", new OutsideRow(existing, null, null));
        var update = () => connection.ExecuteAsync(
            $"UPDATE {Table("portfolio_group")} SET metadata_json = {Json("@metadata_json")} WHERE unique_identifier = @name", new OutsideRow(existing, null, json));

        if (libraryAccepts)
        {
            (await insert()).Should().Be(1);
            (await update()).Should().Be(1);
            return;
        }

        (await insert.Should().ThrowAsync<DbException>()).Which.Message.Should().Contain("ck_portfolio_group_metadata_json_depth");
        (await update.Should().ThrowAsync<DbException>()).Which.Message.Should().Contain("ck_portfolio_group_metadata_json_depth");
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio_group")} WHERE unique_identifier = @name", new OutsideRow(name, null, null))).Should().Be(0);
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio_group")} WHERE unique_identifier = @name AND metadata_json IS NULL", new OutsideRow(existing, null, null))).Should().Be(1);
    }

    [Test]
    public async Task Keys_with_dots_brackets_and_quotes_do_not_count_as_levels()
    {
        // 64 levels whose keys look like path syntax: accepted by the library and the database alike.
        const string key = "\"a.b[0].\\\"c\\\"\"";
        var json = string.Concat(Enumerable.Repeat("{" + key + ":", 63)) + "{\"x.y\": 1}" + new string('}', 63);
        var metadata = JsonDocument.Parse(json).RootElement;

        var group = await PortfolioGroup.AddAsync(Store, Unique("keys"), "Keys", metadata: metadata);

        JsonElement.DeepEquals(group.Metadata!.Value, metadata).Should().BeTrue();
    }

    [TestCase("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")]
    [TestCase("0193a1b2-0000-7000-8000-00000000000g")]
    [TestCase("0193a1b2_0000_7000_8000_000000000001")]
    [TestCase("0193a1b20000-7000-8000-0000-00000001")]
    [TestCase("{193a1b2-0000-7000-8000-00000000001}")]
    [TestCase("0193A1B2-0000-7000-8000-000000000001")]
    public async Task On_sqlite_an_outside_uid_that_is_not_a_canonical_uuid_is_refused_in_every_uid_column(string bad)
    {
        if (Db == Db.Postgres)
        {
            Assert.Ignore("PostgreSQL's uuid columns hold only UUIDs.");
        }

        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("p"));
        await using var connection = await OpenPlainConnectionAsync();
        string[] statements =
        [
            $"INSERT INTO portfolio (uid, unique_identifier) VALUES ('{bad}', 'x-{Guid.NewGuid():N}')",
            $"INSERT INTO portfolio_group (uid, unique_identifier, display_name) VALUES ('{bad}', 'x-{Guid.NewGuid():N}', 'X')",
            $"INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES ('{bad}', '{group.Uid:D}', '{portfolio.Uid:D}')",
            $"UPDATE portfolio SET uid = '{bad}' WHERE uid = '{portfolio.Uid:D}'",
        ];

        foreach (var statement in statements)
        {
            (await FluentActions.Awaiting(() => connection.ExecuteAsync(statement)).Should().ThrowAsync<DbException>(statement)).Which.Message.Should().Contain("CHECK");
        }

        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM portfolio_group_membership WHERE portfolio_group_uid = '{group.Uid:D}'")).Should().Be(0);
        (await Portfolio.GetAsync(Store, portfolio.Uid)).Should().Be(portfolio);
    }

    [Test]
    public async Task A_populated_database_at_the_previous_version_migrates_up_down_and_up_with_nothing_lost()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await store.MigrateDownAsync(PreviousVersion);
        var deepest = JsonDocument.Parse(Nested("mixed", 64)).RootElement;
        for (var g = 0; g < 20; g++)
        {
            await PortfolioGroup.AddAsync(store, $"g{g}", $"Group {g}", g % 2 == 0 ? "described" : null, g % 3 == 0 ? deepest : null);
        }

        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 100).Select(p => new PortfolioUpsert($"p{p}")));
        for (var g = 0; g < 20; g++)
        {
            await PortfolioGroup.AddPortfoliosAsync(store, $"g{g}", Enumerable.Range(0, 10).Select(p => (PortfolioRef)$"p{(g * 3 + p) % 100}"));
        }

        var before = await SnapshotAsync(store);
        before.Split('\n').Should().HaveCount(100 + 20 + 200);

        (await store.MigrateAsync()).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion));
        (await SnapshotAsync(store)).Should().Be(before);
        await ExpectIntactAsync(connectionString);
        (await store.MigrateDownAsync(PreviousVersion)).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion).Reverse());
        (await SnapshotAsync(store)).Should().Be(before);
        await ExpectIntactAsync(connectionString);
        (await store.MigrateAsync()).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion));
        (await SnapshotAsync(store)).Should().Be(before);

        // The rules hold again after the second Up, and cascades still work.
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        await FluentActions.Awaiting(() => connection.ExecuteAsync(
            $"UPDATE {Table("portfolio_group")} SET metadata_json = {Json("@metadata_json")} WHERE unique_identifier = @name", new OutsideRow("g1", null, Nested("{}", 65))))
            .Should().ThrowAsync<DbException>();
        await PortfolioGroup.DeleteAsync(store, "g0");
        (await SnapshotAsync(store)).Split('\n').Should().HaveCount(100 + 19 + 190);
    }

    [Test]
    public async Task A_row_that_breaks_the_new_rules_fails_the_migration_which_changes_nothing()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await store.MigrateDownAsync(PreviousVersion);
        var good = await PortfolioGroup.AddAsync(store, "good", "Good");
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {Table("portfolio_group")} (unique_identifier, display_name, metadata_json) VALUES ('deep', 'Deep', {Json("@metadata_json")})",
                new OutsideRow(null, null, Nested("{}", 65)));
        }

        var migrate = () => store.MigrateAsync();

        (await migrate.Should().ThrowAsync<PortfolioGroupsException>()).Which.Should().NotBeOfType<TransientStorageException>();
        (await store.GetMigrationStatusAsync()).CurrentVersion.Should().Be(PreviousVersion);
        (await SnapshotAsync(store)).Should().Contain("\"good\"").And.Contain("\"deep\"");
        (await PortfolioGroup.GetAsync(store, good.Uid)).Should().Be(good);

        // Fixed with SQL, the row lets the migration through.
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync($"UPDATE {Table("portfolio_group")} SET metadata_json = NULL WHERE unique_identifier = 'deep'");
        }

        (await store.MigrateAsync()).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion));
    }

    private string Json(string parameter) => Db == Db.Postgres ? $"CAST({parameter} AS jsonb)" : parameter;

    /// <summary>JSON <paramref name="depth"/> levels deep: objects, arrays, or both in turn (an object at the top).</summary>
    private static string Nested(string shape, int depth)
    {
        var open = new System.Text.StringBuilder();
        var close = new System.Text.StringBuilder();
        for (var level = 1; level <= depth; level++)
        {
            var array = shape == "[]" ? level > 1 : shape == "mixed" && level % 2 == 0;
            var last = level == depth;
            open.Append(array ? (last ? "[" : "[1, ") : (last ? "{" : "{\"k\": "));
            close.Insert(0, array ? "]" : "}");
        }

        return open.ToString() + close;
    }

    private async Task ExpectIntactAsync(string connectionString)
    {
        if (Db == Db.Sqlite)
        {
            await using var connection = await OpenPlainConnectionAsync(connectionString);
            (await connection.QueryAsync<string>("SELECT \"table\" FROM pragma_foreign_key_check")).Should().BeEmpty();
            (await connection.QueryAsync<string>("PRAGMA integrity_check")).Should().Equal("ok");
        }
    }

    /// <summary>Every row of the three tables, as text, in a stable order.</summary>
    private static async Task<string> SnapshotAsync(PortfolioStore store)
    {
        var lines = new List<string>();
        await foreach (var p in Portfolio.StreamAsync(store))
        {
            lines.Add($"portfolio {p.Uid} \"{p.UniqueIdentifier}\" {p.DisplayName}");
        }

        await foreach (var g in PortfolioGroup.StreamAsync(store))
        {
            lines.Add($"group {g.Uid} \"{g.UniqueIdentifier}\" {g.DisplayName} {g.Description} {(g.Metadata is { } m ? m.GetRawText() : "null")}");
        }

        await foreach (var m in PortfolioGroupMembership.StreamAsync(store))
        {
            lines.Add($"membership {m.Uid} {m.PortfolioGroupUid} {m.PortfolioUid}");
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
