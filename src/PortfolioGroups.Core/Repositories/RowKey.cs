using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A validated reference to one row: its uid, or its (trimmed) unique identifier. Made by the services' guard.</summary>
internal readonly record struct RowKey(Guid? Uid, string? UniqueIdentifier)
{
    public bool IsUid => Uid.HasValue;

    /// <summary>The column the row is looked up by, which is also the key's name in errors.</summary>
    public string Column => IsUid ? "uid" : "unique_identifier";

    /// <summary>The key's value as a parameter.</summary>
    public object Value(Database database) => IsUid ? database.Uid(Uid!.Value) : UniqueIdentifier!;

    public RowNotFoundException NotFound(string table) => new(table, Column, ToString());

    public override string ToString() => Uid?.ToString() ?? UniqueIdentifier ?? "";
}
