namespace PortfolioGroups.Repositories;

/// <summary>What an insert of one row does when its unique identifier exists.</summary>
internal enum InsertMode
{
    /// <summary>Fails with a duplicate key.</summary>
    Create,

    /// <summary>Sets the existing row's fields to exactly the values given (null clears).</summary>
    Upsert,

    /// <summary>Sets only the fields given on the existing row (null means "not given" and keeps the stored value).</summary>
    Add,
}
