using PortfolioGroups;
using PortfolioGroups.Schema;

// Creates (or opens) portfolios.db in the working directory and applies pending migrations.
await using var store = await PortfolioStore.OpenSqliteAsync("Data Source=portfolios.db");

var status = await store.GetMigrationStatusAsync();
Console.WriteLine($"Schema version {status.CurrentVersion}; applied: {string.Join(", ", status.AppliedVersions)}");

foreach (var entry in await store.ReadCatalogAsync())
{
    Console.WriteLine($"{entry.MetaTableIdentifier} ({entry.PhysicalName}): {entry.Description}");
    foreach (var column in entry.Columns)
    {
        Console.WriteLine($"  {column.Name,-20} {column.Label}");
    }
}

Console.WriteLine($"Foreign keys of {SchemaModel.PortfolioGroupMembership.PhysicalName}:");
foreach (var fk in SchemaModel.PortfolioGroupMembership.ForeignKeys)
{
    Console.WriteLine($"  {fk.Column} -> {fk.PrincipalTable}.{fk.PrincipalColumn} ON DELETE {fk.OnDelete}");
}
