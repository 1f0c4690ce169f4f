namespace PortfolioGroups.Schema;

/// <summary>
/// The check, on opening a store, that a host's portfolio table (<see cref="PortfolioTable.Existing"/>)
/// fits: the uid column its primary key, or unique and not null, of type <c>uuid</c> (PostgreSQL) or
/// text (SQLite); the unique-identifier column unique and not null; a mapped display-name column present.
/// The physical side is read by the database classes (<c>Storage/SqliteDatabase</c>, <c>Storage/PostgresDatabase</c>).
/// </summary>
internal static class PortfolioTableCheck
{
    /// <summary>Throws a <see cref="StoreOpenException"/> naming the table and column that do not fit.</summary>
    /// <param name="table">The host's table as the database reports it; null when there is none.</param>
    /// <param name="mapping">The mapping the store was opened with.</param>
    /// <param name="qualifiedName">The table's name as the message shows it.</param>
    /// <param name="database">What the database reports for a uid column.</param>
    public static void ThrowIfMismatched(PhysicalTable? table, PortfolioTable mapping, string qualifiedName, IPhysicalConventions database)
    {
        if (table is null)
        {
            throw Mismatch($"The host's portfolio table {qualifiedName} does not exist: create it before opening the store, or correct PortfolioStoreOptions.PortfolioTable.");
        }

        var uid = Column(table, mapping.UidColumn, qualifiedName, "uid");
        if (!database.FitsUid(uid.Type))
        {
            throw Mismatch($"The uid column {qualifiedName}.{uid.Name} is of type {uid.Type}; it must be {database.UidTypeInWords}.");
        }

        RequireKey(table, uid, qualifiedName, "uid", allowPrimaryKey: true);
        var identifier = Column(table, mapping.UniqueIdentifierColumn, qualifiedName, "unique-identifier");
        RequireKey(table, identifier, qualifiedName, "unique-identifier", allowPrimaryKey: true);
        if (mapping.DisplayNameColumn is { } displayName)
        {
            Column(table, displayName, qualifiedName, "display-name");
        }
    }

    private static PhysicalColumn Column(PhysicalTable table, string name, string qualifiedName, string role) =>
        table.Column(name) ?? throw Mismatch($"The host's portfolio table {qualifiedName} has no column {name} (mapped as its {role} column).");

    private static void RequireKey(PhysicalTable table, PhysicalColumn column, string qualifiedName, string role, bool allowPrimaryKey)
    {
        var isPrimaryKey = allowPrimaryKey && table.PrimaryKey.SequenceEqual([column.Name]);
        if (isPrimaryKey)
        {
            return;
        }

        if (column.IsNullable)
        {
            throw Mismatch($"The {role} column {qualifiedName}.{column.Name} allows null; it must be NOT NULL (or the primary key).");
        }

        if (!table.Indexes.Any(i => i.IsUnique && i.Columns.SequenceEqual([column.Name])))
        {
            throw Mismatch($"The {role} column {qualifiedName}.{column.Name} is not unique; it needs a primary key or a unique constraint of its own.");
        }
    }

    private static StoreOpenException Mismatch(string message) => new(StoreOpenFailure.PortfolioTableMismatch, message, null);
}
