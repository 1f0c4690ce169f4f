namespace PortfolioGroups.Schema;

/// <summary>
/// The drift check: the library's tables as the database has them, against the model graph
/// (columns with their types and nullability, primary keys, foreign keys with their delete rule,
/// indexes). Tables the library does not own are not looked at: a host's tables may share the database.
/// The physical side is read, and what each database reports for the model is said, by the database classes
/// (<c>Storage/SqliteDatabase</c>, <c>Storage/PostgresDatabase</c>) through <see cref="IPhysicalConventions"/>.
/// </summary>
internal static class SchemaDrift
{
    /// <summary>Each difference, as one sentence naming the table and what differs; empty when none.</summary>
    /// <remarks>
    /// With a host's portfolio table (<paramref name="portfolioTable"/> not the library's), the
    /// library's <c>portfolio</c> table is not expected (opening checks the host's key columns), and
    /// the membership's portfolio foreign key is expected to point at the host's table and uid column.
    /// </remarks>
    public static IReadOnlyList<string> Compare(IReadOnlyDictionary<string, PhysicalTable> physical, IPhysicalConventions database, PortfolioTable? portfolioTable = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var differences = new List<string>();
        var host = portfolioTable is { IsLibrary: false } ? portfolioTable : null;
        var models = host is null
            ? SchemaModel.AllTables
            : [.. SchemaModel.MetaTablesFor(host).Where(t => t.Identifier != SchemaModel.Portfolio.Identifier), SchemaModel.PortfolioGroupMembershipHistory, SchemaModel.PortfolioGroupDeletionHistory, SchemaModel.PortfolioGroupMembershipHistoryIdentifier, SchemaModel.Catalog];
        foreach (var model in models)
        {
            if (!physical.TryGetValue(model.PhysicalName, out var table))
            {
                differences.Add($"{model.PhysicalName}: the table is missing.");
                continue;
            }

            CompareColumns(model, table, database, differences);

            // A partitioned membership table's primary key holds the partition key too (PostgreSQL
            // requires it); a table of the other shape is reported once, by its shape.
            var partitions = model.Identifier == SchemaModel.PortfolioGroupMembership.Identifier ? database.MembershipPartitions : 0;
            string[] primaryKey = table.Partitions > 0 ? [model.PrimaryKeyColumn, SchemaModel.MembershipDistributionColumn] : [model.PrimaryKeyColumn];
            if (!table.PrimaryKey.SequenceEqual(primaryKey))
            {
                differences.Add($"{model.PhysicalName}: the primary key is ({string.Join(", ", table.PrimaryKey)}), expected ({string.Join(", ", primaryKey)}).");
            }

            ComparePartitions(model, table, partitions, differences);

            var expectedKeys = model.ForeignKeys.Select(f => Describe(database.KeepsForeignKeyNames ? f.Name : null, f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete == DeleteRule.Cascade ? "CASCADE" : "NO ACTION"));
            var actualKeys = table.ForeignKeys.Select(f => Describe(f.Name, f.Column, f.PrincipalTable, f.PrincipalColumn, f.OnDelete));
            CompareSets(model.PhysicalName, "foreign key", expectedKeys, actualKeys, differences);

            var expectedIndexes = model.Indexes.Select(i => Describe(i.Name, i.Columns, i.IsUnique));
            var actualIndexes = table.Indexes.Select(i => Describe(i.Name, i.Columns, i.IsUnique));
            CompareSets(model.PhysicalName, "index", expectedIndexes, actualIndexes, differences);
        }

        return differences;
    }

    /// <summary>
    /// Each rule of the model graph (<see cref="SchemaModel.Rules"/>) the database does not enforce,
    /// as one sentence; <paramref name="rules"/> holds the rule names the database has, by table.
    /// Rules the model does not list (a host's own, the type checks) are not reported; with a host's
    /// portfolio table (<paramref name="portfolioTable"/> not the library's), none is expected on it.
    /// </summary>
    public static IReadOnlyList<string> CompareRules(IReadOnlyDictionary<string, IReadOnlySet<string>> rules, PortfolioTable? portfolioTable = null) =>
        [.. SchemaModel.RulesFor(portfolioTable ?? PortfolioTable.Library)
            .SelectMany(table => table.Value
                .Where(rule => !(rules.TryGetValue(table.Key, out var found) && found.Contains(rule)))
                .Select(rule => $"{table.Key}: the rule {rule} is missing."))];

    private static void ComparePartitions(TableModel model, PhysicalTable table, int partitions, List<string> differences)
    {
        var shapeMatches = table.Partitions == partitions
            && (partitions == 0 || table.PartitionKey.SequenceEqual([SchemaModel.MembershipDistributionColumn]));
        if (shapeMatches)
        {
            return;
        }

        var actual = table.Partitions == 0 && table.PartitionKey.Count == 0
            ? "a plain table"
            : $"hash-partitioned by ({string.Join(", ", table.PartitionKey)}) into {table.Partitions} partitions";
        var expected = partitions == 0
            ? "a plain table (PostgresMembershipPartitions is 0)"
            : $"{partitions} hash partitions by ({SchemaModel.MembershipDistributionColumn}) (PostgresMembershipPartitions)";
        differences.Add($"{model.PhysicalName}: is {actual}, expected {expected}; PortfolioStore.RepartitionMembershipsAsync rebuilds it to the store's option.");
    }

    private static void CompareColumns(TableModel model, PhysicalTable table, IPhysicalConventions database, List<string> differences)
    {
        foreach (var column in model.Columns)
        {
            var actual = table.Column(column.Name);
            var expectedType = database.PhysicalType(column);
            if (actual is null)
            {
                differences.Add($"{model.PhysicalName}.{column.Name}: the column is missing.");
            }
            else if (!string.Equals(actual.Type, expectedType, StringComparison.OrdinalIgnoreCase) || actual.IsNullable != column.IsNullable)
            {
                differences.Add($"{model.PhysicalName}.{column.Name}: is {actual.Type} {Nullability(actual.IsNullable)}, expected {expectedType} {Nullability(column.IsNullable)}.");
            }
        }

        foreach (var extra in table.Columns.Where(c => model.Columns.All(m => m.Name != c.Name)))
        {
            differences.Add($"{model.PhysicalName}.{extra.Name}: a column the model does not have ({extra.Type}).");
        }
    }

    private static void CompareSets(string table, string what, IEnumerable<string> expected, IEnumerable<string> actual, List<string> differences)
    {
        var expectedSet = expected.ToHashSet(StringComparer.Ordinal);
        var actualSet = actual.ToHashSet(StringComparer.Ordinal);
        differences.AddRange(expectedSet.Except(actualSet).Order(StringComparer.Ordinal).Select(e => $"{table}: the {what} {e} is missing."));
        differences.AddRange(actualSet.Except(expectedSet).Order(StringComparer.Ordinal).Select(e => $"{table}: {(what.StartsWith("index", StringComparison.Ordinal) ? "an" : "a")} {what} the model does not have: {e}."));
    }

    private static string Describe(string? name, string column, string principalTable, string principalColumn, string onDelete) =>
        $"{name ?? ""}({column}) -> {principalTable}({principalColumn}) ON DELETE {onDelete}".TrimStart();

    private static string Describe(string name, IReadOnlyList<string> columns, bool unique) =>
        $"{(unique ? "unique " : "")}{name} ({string.Join(", ", columns)})";

    private static string Nullability(bool nullable) => nullable ? "null" : "not null";
}
