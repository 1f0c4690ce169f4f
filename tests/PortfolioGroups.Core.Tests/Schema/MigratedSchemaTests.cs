using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>The migrated schema, read back from the database's own catalog, against the contract and the model graph.</summary>
[TestFixture(Db.Sqlite, null)]
[TestFixture(Db.Postgres, null)]
[TestFixture(Db.Postgres, "portfolio_data")]
public sealed class MigratedSchemaTests(Db db, string? postgresSchema) : DatabaseTest(db, postgresSchema)
{
    private async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadSchemaAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        return await PhysicalSchema.ReadAsync(connection, PostgresSchema);
    }

    [Test]
    public async Task Membership_foreign_keys_cascade_on_delete()
    {
        var membership = (await ReadSchemaAsync())["portfolio_group_membership"];

        membership.ForeignKeys.Select(f => (f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete)).Should().BeEquivalentTo(
        [
            ("portfolio_group_uid", "portfolio_group", "uid", "CASCADE"),
            ("portfolio_uid", "portfolio", "uid", "CASCADE"),
        ]);
    }

    [Test]
    public async Task Unique_identifiers_and_membership_pairs_are_unique_and_an_index_leads_with_each_foreign_key_column()
    {
        var schema = await ReadSchemaAsync();

        schema["portfolio"].Indexes.Should().ContainEquivalentOf(new PhysicalIndex("ux_portfolio_unique_identifier", ["unique_identifier"], IsUnique: true));
        schema["portfolio_group"].Indexes.Should().ContainEquivalentOf(new PhysicalIndex("ux_portfolio_group_unique_identifier", ["unique_identifier"], IsUnique: true));
        var membership = schema["portfolio_group_membership"].Indexes;
        membership.Should().ContainEquivalentOf(new PhysicalIndex("ux_portfolio_group_membership_pair", ["portfolio_group_uid", "portfolio_uid"], IsUnique: true));
        membership.Should().Contain(i => i.Columns[0] == "portfolio_group_uid", "the group foreign key needs an index that leads with it (the pair index)");
        membership.Should().Contain(i => i.Columns[0] == "portfolio_uid", "the portfolio foreign key needs an index that leads with it");
        membership.Where(i => i.Columns[0] == "portfolio_group_uid").Should().ContainSingle(
            "a second index leading with the group would only make every membership write slower (decision record 0007)");
    }

    [Test]
    public async Task The_portfolio_table_has_no_group_column_in_the_database()
    {
        var portfolio = (await ReadSchemaAsync())["portfolio"];

        portfolio.Columns.Select(c => c.Name).Should().Equal("uid", "unique_identifier", "display_name");
        portfolio.Columns.Should().NotContain(c => c.Name.Contains("group", StringComparison.OrdinalIgnoreCase));
    }

    [Test]
    public async Task The_migrated_schema_matches_the_model_graph()
    {
        var schema = await ReadSchemaAsync();

        schema.Keys.Should().BeEquivalentTo(SchemaModel.AllTables.Select(t => t.PhysicalName).Append(SchemaModel.VersionTableName));
        foreach (var model in SchemaModel.AllTables)
        {
            var table = schema[model.PhysicalName];
            table.Columns.Select(c => (c.Name, c.Type, c.IsNullable)).Should().Equal(
                model.Columns.Select(c => (c.Name, PhysicalType(c), c.IsNullable)),
                $"the columns of {model.PhysicalName} must match the model");
            table.PrimaryKey.Should().Equal([model.PrimaryKeyColumn], $"the primary key of {model.PhysicalName}");
            table.ForeignKeys.Select(f => (f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete)).Should().BeEquivalentTo(
                model.ForeignKeys.Select(f => (f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete == DeleteRule.Cascade ? "CASCADE" : "NO ACTION")),
                $"the foreign keys of {model.PhysicalName}");
            if (Db == Db.Postgres)
            {
                table.ForeignKeys.Select(f => f.Name).Should().BeEquivalentTo(model.ForeignKeys.Select(f => f.Name));
            }

            table.Indexes.Should().BeEquivalentTo(
                model.Indexes.Select(i => new PhysicalIndex(i.Name, i.Columns, i.IsUnique)),
                $"the indexes of {model.PhysicalName}");
        }
    }

    [Test]
    public async Task Deleting_a_group_with_plain_sql_removes_its_memberships_and_keeps_the_portfolios()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var (group, other, portfolios) = await SeedAsync(connection);

        await connection.ExecuteAsync($"DELETE FROM {Table("portfolio_group")} WHERE uid = @group", new { group = Uid(group) });

        (await CountAsync(connection, "portfolio_group_membership", "portfolio_group_uid", group)).Should().Be(0);
        (await CountAsync(connection, "portfolio_group_membership", "portfolio_group_uid", other)).Should().Be(1);
        foreach (var portfolio in portfolios)
        {
            (await CountAsync(connection, "portfolio", "uid", portfolio)).Should().Be(1);
        }
    }

    [Test]
    public async Task Deleting_a_portfolio_with_plain_sql_removes_its_memberships_and_keeps_the_groups()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var (group, other, portfolios) = await SeedAsync(connection);

        await connection.ExecuteAsync($"DELETE FROM {Table("portfolio")} WHERE uid = @portfolio", new { portfolio = Uid(portfolios[0]) });

        (await CountAsync(connection, "portfolio_group_membership", "portfolio_uid", portfolios[0])).Should().Be(0);
        (await CountAsync(connection, "portfolio_group_membership", "portfolio_uid", portfolios[1])).Should().Be(2);
        (await CountAsync(connection, "portfolio_group", "uid", group)).Should().Be(1);
        (await CountAsync(connection, "portfolio_group", "uid", other)).Should().Be(1);
    }

    [Test]
    public async Task The_database_refuses_metadata_that_is_not_a_json_object()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var insert = $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name, metadata_json) VALUES (@uid, @id, 'x', {(Db == Db.Postgres ? "CAST(@json AS jsonb)" : "@json")})";

        var array = () => connection.ExecuteAsync(insert, new { uid = Uid(Guid.NewGuid()), id = Unique("json"), json = "[1, 2]" });
        await array.Should().ThrowAsync<System.Data.Common.DbException>();

        var ok = await connection.ExecuteAsync(insert, new { uid = Uid(Guid.NewGuid()), id = Unique("json"), json = "{\"a\": 1}" });
        ok.Should().Be(1);
    }

    private object Uid(Guid uid) => Db == Db.Postgres ? uid : uid.ToString("D");

    private async Task<long> CountAsync(System.Data.Common.DbConnection connection, string table, string column, Guid uid) =>
        await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table(table)} WHERE {column} = @uid", new { uid = Uid(uid) });

    private async Task<(Guid Group, Guid Other, Guid[] Portfolios)> SeedAsync(System.Data.Common.DbConnection connection)
    {
        var group = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();
        Guid[] portfolios = [Guid.CreateVersion7(), Guid.CreateVersion7()];
        foreach (var g in new[] { group, other })
        {
            await connection.ExecuteAsync($"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name) VALUES (@uid, @id, 'Group')", new { uid = Uid(g), id = Unique("group") });
        }

        foreach (var p in portfolios)
        {
            await connection.ExecuteAsync($"INSERT INTO {Table("portfolio")} (uid, unique_identifier) VALUES (@uid, @id)", new { uid = Uid(p), id = Unique("portfolio") });
        }

        var memberships = new[] { (group, portfolios[0]), (group, portfolios[1]), (other, portfolios[1]) };
        foreach (var (g, p) in memberships)
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @g, @p)",
                new { uid = Uid(Guid.CreateVersion7()), g = Uid(g), p = Uid(p) });
        }

        return (group, other, portfolios);
    }

    private string PhysicalType(ColumnModel column) => (Db, column.Kind) switch
    {
        (Db.Sqlite, ColumnKind.WholeNumber) => "INTEGER",
        (Db.Sqlite, _) => "TEXT",
        (Db.Postgres, ColumnKind.Uuid) => "uuid",
        (Db.Postgres, ColumnKind.BoundedText) => $"varchar({column.MaxLength})",
        (Db.Postgres, ColumnKind.Text) => "text",
        (Db.Postgres, ColumnKind.Json) => "jsonb",
        (Db.Postgres, ColumnKind.WholeNumber) => "bigint",
        (Db.Postgres, ColumnKind.Instant) => "timestamp with time zone",
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };
}
