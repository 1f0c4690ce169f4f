namespace PortfolioGroups;

/// <summary>What kept a store from opening its database (<see cref="StoreOpenException.Failure"/>).</summary>
public enum StoreOpenFailure
{
    /// <summary>The database named by the connection string does not exist.</summary>
    DatabaseMissing,

    /// <summary>The server refused the connection string's credentials.</summary>
    AuthenticationFailed,

    /// <summary>The PostgreSQL schema the store's tables live in does not exist, and could not be created.</summary>
    SchemaMissing,

    /// <summary>
    /// The host's portfolio table (<see cref="PortfolioStoreOptions.PortfolioTable"/>) is missing, or a
    /// mapped column is missing, of the wrong type, nullable or not unique; the message names the table and column.
    /// </summary>
    PortfolioTableMismatch,

    /// <summary>
    /// The store was to be migrated, which only a primary server can do, but no host of its
    /// multi-host data source is a primary: every host that answered is a standby.
    /// </summary>
    NoPrimary,
}

/// <summary>
/// The database cannot be used as the connection string and options say: it does not exist, the
/// credentials are refused, the schema is missing, or the host's portfolio table does not fit. The driver's exception is
/// <see cref="Exception.InnerException"/>.
/// </summary>
/// <remarks>
/// Unlike a <see cref="TransientStorageException"/>, running the call again does not help: the
/// configuration or the database must change first. The message says what to change.
/// </remarks>
public sealed class StoreOpenException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a failure, a message and the driver's exception.</summary>
    public StoreOpenException(StoreOpenFailure failure, string message, Exception? innerException)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What kept the store from opening its database.</summary>
    public StoreOpenFailure Failure { get; }
}
