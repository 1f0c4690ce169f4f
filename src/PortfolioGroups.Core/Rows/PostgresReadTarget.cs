namespace PortfolioGroups;

/// <summary>
/// Where a PostgreSQL store opened over several hosts (<c>NpgsqlMultiHostDataSource</c>) sends its
/// reads (<see cref="PortfolioStoreOptions.PostgresReads"/>). Writes, transactions and migrations
/// always go to the primary.
/// </summary>
public enum PostgresReadTarget
{
    /// <summary>Every read goes to the primary, like every write (the default).</summary>
    Primary,

    /// <summary>
    /// Reads outside a transaction go to a standby when one is up, else to the primary. With
    /// <see cref="PortfolioStoreOptions.ReadYourWrites"/> (on by default), a read waits until the
    /// standby has replayed this store's own committed writes, and past
    /// <see cref="PortfolioStoreOptions.ReplicaWaitTimeout"/> reads from the primary instead.
    /// </summary>
    PreferStandby,
}
