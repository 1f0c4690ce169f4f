using System.Data.Common;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Migration 2026112902: the database itself refuses rows the library would refuse, so outside
/// writers (psql, the sqlite3 CLI, another program) meet the same rules; a populated database at
/// the previous version migrates with every row and foreign key kept.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class DatabaseRuleTests(Db db) : DatabaseTest(db)
{
    private const long PreviousVersion = 2026112901;

    [Test]
    public async Task A_populated_database_at_the_previous_version_migrates_and_back_with_nothing_lost()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await store.MigrateDownAsync(PreviousVersion);
        var metadata = JsonDocument.Parse("""{"k": [1, {"x": "y"}]}""").RootElement;
        for (var g = 0; g < 20; g++)
        {
            await PortfolioGroup.AddAsync(store, $"g{g}", $"Group {g}", g % 2 == 0 ? "described" : null, g % 3 == 0 ? metadata : null);
        }

        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 200).Select(p => new PortfolioUpsert($"p{p}", p % 2 == 0 ? $"Portfolio {p}" : null)));
        for (var g = 0; g < 20; g++)
        {
            await PortfolioGroup.AddPortfoliosAsync(store, $"g{g}", Enumerable.Range(0, 30).Select(p => (PortfolioRef)$"p{(g * 7 + p) % 200}"));
        }

        var before = await SnapshotAsync(store);
        before.Memberships.Should().HaveCount(600);

        (await store.MigrateAsync()).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion));
        (await SnapshotAsync(store)).Should().BeEquivalentTo(before);
        await ExpectForeignKeysHoldAsync(store);
        if (Db == Db.Sqlite)
        {
            await using var connection = await OpenPlainConnectionAsync(connectionString);
            (await connection.QueryAsync<string>("SELECT \"table\" FROM pragma_foreign_key_check")).Should().BeEmpty();
            (await connection.QueryAsync<string>("PRAGMA integrity_check")).Should().Equal("ok");
        }

        (await store.MigrateDownAsync(PreviousVersion)).Ran.Should().Equal(PortfolioGroups.Tests.Schema.MigrationTests.AllVersions.Where(v => v > PreviousVersion).Reverse());
        (await SnapshotAsync(store)).Should().BeEquivalentTo(before);
        await store.MigrateAsync();
        (await SnapshotAsync(store)).Should().BeEquivalentTo(before);

        // Cascades still work on the rebuilt tables.
        await PortfolioGroup.DeleteAsync(store, "g0");
        (await SnapshotAsync(store)).Memberships.Should().HaveCount(570);
        (await SnapshotAsync(store)).Portfolios.Should().HaveCount(200);
    }

    [TestCase("portfolio", "unique_identifier", "")]
    [TestCase("portfolio", "unique_identifier", "  padded  ")]
    [TestCase("portfolio", "unique_identifier", "trailing ")]
    [TestCase("portfolio", "unique_identifier", "\u00A0nbsp")]
    [TestCase("portfolio", "unique_identifier", "tab\there")]
    [TestCase("portfolio", "unique_identifier", "line\nbreak")]
    [TestCase("portfolio", "unique_identifier", "c1\u0085control")]
    [TestCase("portfolio", "unique_identifier", "del\u007F")]
    [TestCase("portfolio", "unique_identifier", "256")]
    [TestCase("portfolio", "display_name", "   ")]
    [TestCase("portfolio", "display_name", "")]
    [TestCase("portfolio", "display_name", "256")]
    [TestCase("portfolio_group", "unique_identifier", "")]
    [TestCase("portfolio_group", "unique_identifier", " lead")]
    [TestCase("portfolio_group", "unique_identifier", "bell\u0007")]
    [TestCase("portfolio_group", "display_name", "\t")]
    [TestCase("portfolio_group", "metadata_json", "[1, 2]")]
    [TestCase("portfolio_group", "metadata_json", "\"text\"")]
    public async Task A_bad_row_inserted_outside_the_library_is_refused_by_the_database(string table, string column, string value)
    {
        if (value == "256")
        {
            value = new string('x', 256);
        }

        var row = new Dictionary<string, string?> { ["unique_identifier"] = Unique("ok"), ["display_name"] = "Fine" };
        row[column] = value;
        var columns = string.Join(", ", row.Keys);
        var values = string.Join(", ", row.Keys.Select(k => k == "metadata_json" && Db == Db.Postgres ? $"CAST(@{k} AS jsonb)" : "@" + k));
        await using var connection = await OpenPlainConnectionAsync();
        var parameters = new OutsideRow(row["unique_identifier"], row["display_name"], row.GetValueOrDefault("metadata_json"));
        var before = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table(table)}");

        var insert = () => connection.ExecuteAsync($"INSERT INTO {Table(table)} ({columns}) VALUES ({values})", parameters);

        (await insert.Should().ThrowAsync<DbException>()).Which.Message.Should().ContainAny("CHECK", "check", "too long");
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table(table)}")).Should().Be(before);
    }

    [Test]
    public async Task An_outside_insert_without_a_uid_gets_one_and_the_library_reads_the_row()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var name = Unique("outside");
        await connection.ExecuteAsync($"INSERT INTO {Table("portfolio_group")} (unique_identifier, display_name) VALUES (@name, 'Outside')", new OutsideRow(name, null, null));

        var group = await PortfolioGroup.GetAsync(Store, name);
        group.Uid.Should().NotBe(Guid.Empty);
        group.Uid.ToString("D").Should().MatchRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    }

    [Test]
    public async Task Rows_the_library_accepts_are_accepted_by_the_database_rules()
    {
        // Inner spaces, letters beyond ASCII, zero-width and right-to-left marks, 255 characters.
        string[] names = ["with inner space", "ünïcödé-名前", "zero\u200Bwidth", "rtl\u200Fmark", new string('y', 255), "😀-emoji"];
        foreach (var name in names)
        {
            (await PortfolioGroup.AddAsync(Store, name, name)).UniqueIdentifier.Should().Be(name);
            (await Portfolio.AddAsync(Store, name, name)).UniqueIdentifier.Should().Be(name);
        }
    }

    private static async Task ExpectForeignKeysHoldAsync(PortfolioStore store)
    {
        // Both databases: every membership points at existing rows.
        var snapshot = await SnapshotAsync(store);
        var portfolios = snapshot.Portfolios.Select(p => p.Uid).ToHashSet();
        var groups = snapshot.Groups.Select(g => g.Uid).ToHashSet();
        snapshot.Memberships.Should().OnlyContain(m => portfolios.Contains(m.PortfolioUid) && groups.Contains(m.GroupUid));
    }

    private sealed record Snapshot(
        IReadOnlyList<(Guid Uid, string Id, string? Name)> Portfolios,
        IReadOnlyList<(Guid Uid, string Id, string Name, string? Description, string? Metadata)> Groups,
        IReadOnlyList<(Guid Uid, Guid GroupUid, Guid PortfolioUid)> Memberships);

    private static async Task<Snapshot> SnapshotAsync(PortfolioStore store)
    {
        var portfolios = new List<(Guid, string, string?)>();
        await foreach (var p in Portfolio.StreamAsync(store))
        {
            portfolios.Add((p.Uid, p.UniqueIdentifier, p.DisplayName));
        }

        var groups = new List<(Guid, string, string, string?, string?)>();
        await foreach (var g in PortfolioGroup.StreamAsync(store))
        {
            groups.Add((g.Uid, g.UniqueIdentifier, g.DisplayName, g.Description, g.Metadata is { } m ? JsonSerializer.Serialize(m) : null));
        }

        var memberships = new List<(Guid, Guid, Guid)>();
        await foreach (var m in PortfolioGroupMembership.StreamAsync(store))
        {
            memberships.Add((m.Uid, m.PortfolioGroupUid, m.PortfolioUid));
        }

        return new Snapshot(portfolios, groups, memberships);
    }
}

/// <summary>The parameters of an outside insert (a concrete type: the tests run with dynamic code off).</summary>
internal sealed record OutsideRow(string? unique_identifier, string? display_name, string? metadata_json)
{
    public string? name => unique_identifier;
}
