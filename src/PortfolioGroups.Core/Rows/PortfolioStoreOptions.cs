using Microsoft.Extensions.Logging;

namespace PortfolioGroups;

/// <summary>Options for opening a <see cref="PortfolioStore"/>.</summary>
public sealed record PortfolioStoreOptions
{
    /// <summary>The default PostgreSQL schema, <c>public</c>.</summary>
    public const string DefaultPostgresSchema = "public";

    /// <summary>The largest <see cref="SqliteCacheSizeKiB"/> accepted: 16 GiB, far beyond any useful cache per connection.</summary>
    public const int MaxSqliteCacheSizeKiB = 16 * 1024 * 1024;

    /// <summary>
    /// The PostgreSQL schema that holds the library's tables, its version table and its catalog.
    /// Created when missing. Ignored on SQLite.
    /// </summary>
    /// <remarks>
    /// A plain identifier: lower-case letters, digits and underscores, starting with a letter or
    /// underscore, at most 63 characters; PostgreSQL reserves names starting with <c>pg_</c>.
    /// </remarks>
    public string PostgresSchema { get; init; } = DefaultPostgresSchema;

    /// <summary>
    /// Whether opening the store applies pending migrations (default true), so a quickstart or a
    /// notebook needs no extra step. Turn it off when migrations are applied by a deployment step.
    /// </summary>
    public bool MigrateOnOpen { get; init; } = true;

    /// <summary>
    /// Which table holds the portfolios: <see cref="PortfolioTable.Library"/> (the default, the
    /// library's own <c>portfolio</c> table) or a host application's table mapped with
    /// <see cref="PortfolioTable.Existing"/>, which the library reads and never writes.
    /// </summary>
    /// <remarks>Null is refused with an <see cref="InvalidValueException"/>.</remarks>
    public PortfolioTable PortfolioTable
    {
        get;
        init => field = value ?? throw new InvalidValueException(nameof(PortfolioTable), "must not be null; use PortfolioTable.Library for the library's own table.");
    } = PortfolioTable.Library;

    /// <summary>The largest <see cref="PostgresMembershipPartitions"/> accepted: 1,024 hash partitions.</summary>
    public const int MaxPostgresMembershipPartitions = 1024;

    /// <summary>
    /// PostgreSQL only: the number of hash partitions of the membership table, partitioned by
    /// <c>portfolio_group_uid</c>; 0 (the default) keeps it one plain table. See docs/scale-out.md.
    /// </summary>
    /// <remarks>
    /// A new database gets the partitioned table from its migrations. An existing one is rebuilt by
    /// <see cref="PortfolioStore.RepartitionMembershipsAsync"/>, which copies every membership into
    /// the new shape and keeps the history. Partitioned, the membership's primary key is
    /// (<c>uid</c>, <c>portfolio_group_uid</c>), as PostgreSQL requires every unique constraint of a
    /// partitioned table to hold its partition key. Between 0 and
    /// <see cref="MaxPostgresMembershipPartitions"/>; anything else is refused with an
    /// <see cref="InvalidValueException"/>. A value above 0 is refused on SQLite, which has no partitions.
    /// </remarks>
    public int PostgresMembershipPartitions
    {
        get;
        init => field = value is < 0 or > MaxPostgresMembershipPartitions
            ? throw new InvalidValueException(
                nameof(PostgresMembershipPartitions),
                $"must be between 0 (a plain table) and {MaxPostgresMembershipPartitions} (got {value}).")
            : value;
    }

    /// <summary>
    /// SQLite only: whether a commit waits for the disk (<c>PRAGMA synchronous</c>), set on every
    /// connection the store opens. Default <see cref="SqliteSynchronousMode.Full"/>: a call that
    /// returned has written durably. Ignored on PostgreSQL.
    /// </summary>
    /// <remarks>
    /// <see cref="SqliteSynchronousMode.Normal"/> is safe in the WAL mode the library uses (the
    /// database is never corrupted) and makes a single-row write about three times faster, but a
    /// power loss or an operating-system crash can lose the last commits. Choose it where that
    /// is acceptable: caches, rebuildable data, analysis scripts. Measured in
    /// <c>docs/decisions/0006-sqlite-connection-settings.md</c>. A value that is not a defined
    /// <see cref="SqliteSynchronousMode"/> is refused with an <see cref="InvalidValueException"/>.
    /// </remarks>
    public SqliteSynchronousMode SqliteSynchronous { get; init; } = SqliteSynchronousMode.Full;

    /// <summary>
    /// SQLite only: the page cache of each connection the store opens, in KiB (<c>PRAGMA cache_size</c>
    /// as a negative number). Null (the default) keeps SQLite's own default of 2,000 KiB. Ignored on PostgreSQL.
    /// </summary>
    /// <remarks>
    /// The cache belongs to one connection and fills only as pages are read, up to this size;
    /// pooled connections keep theirs while they stay open, so the memory it can take is this
    /// size times the connections the store uses at once. A larger cache helps work that touches
    /// many pages, such as deleting a group with a hundred thousand members. Between 1 and
    /// <see cref="MaxSqliteCacheSizeKiB"/>; anything else is refused with an <see cref="InvalidValueException"/>.
    /// </remarks>
    public int? SqliteCacheSizeKiB { get; init; }

    /// <summary>The default <see cref="ReplicaWaitTimeout"/>, one second.</summary>
    public static readonly TimeSpan DefaultReplicaWaitTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PostgreSQL over several hosts only (<c>OpenPostgresAsync(NpgsqlMultiHostDataSource, ...)</c>):
    /// where reads outside a transaction go. <see cref="PostgresReadTarget.Primary"/> (the default)
    /// or <see cref="PostgresReadTarget.PreferStandby"/>. Writes, transactions and migrations always
    /// go to the primary. Ignored for a single-host data source and on SQLite.
    /// </summary>
    /// <remarks>
    /// Reads are finds, filters, listings, pages, set queries, counts, streams and history reads.
    /// A value that is not a defined <see cref="PostgresReadTarget"/> is refused with an
    /// <see cref="InvalidValueException"/>. See docs/scale-out.md.
    /// </remarks>
    public PostgresReadTarget PostgresReads
    {
        get;
        init => field = Enum.IsDefined(value)
            ? value
            : throw new InvalidValueException(nameof(PostgresReads), $"{value} is not a PostgresReadTarget (Primary or PreferStandby).");
    } = PostgresReadTarget.Primary;

    /// <summary>
    /// Whether a read from a standby sees every write this store has committed before it
    /// (<see cref="PostgresReads"/> = <see cref="PostgresReadTarget.PreferStandby"/>). Null (the
    /// default) means true when reads go to standbys.
    /// </summary>
    /// <remarks>
    /// After each committed write (a transaction's commit included) the store records the primary's
    /// log position; a later read waits until the standby it is on has replayed that far, up to
    /// <see cref="ReplicaWaitTimeout"/>, and then reads from the primary instead. The guarantee is
    /// per store instance: writes made by another store, process or machine are seen once the
    /// standby has replayed them, not before. False reads whatever the standby has replayed
    /// (possibly stale) and never waits.
    /// </remarks>
    public bool? ReadYourWrites { get; init; }

    /// <summary>
    /// How long a read waits for a standby to replay this store's writes before it reads from the
    /// primary instead (default <see cref="DefaultReplicaWaitTimeout"/>, one second; zero never waits).
    /// </summary>
    /// <remarks>A negative value is refused with an <see cref="InvalidValueException"/>.</remarks>
    public TimeSpan ReplicaWaitTimeout
    {
        get;
        init => field = value < TimeSpan.Zero
            ? throw new InvalidValueException(nameof(ReplicaWaitTimeout), "must not be negative.")
            : value;
    } = DefaultReplicaWaitTimeout;

    /// <summary>The default <see cref="SlowCommandThreshold"/>, one second.</summary>
    public static readonly TimeSpan DefaultSlowCommandThreshold = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where the store logs: opening and migrations (category <c>PortfolioGroups.Store</c>) and
    /// commands slower than <see cref="SlowCommandThreshold"/> (category <c>PortfolioGroups.Commands</c>).
    /// Null (the default) logs nothing. <c>AddPortfolioGroups</c> passes the host's factory.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// A command that takes at least this long is logged as a warning naming its operation and
    /// duration (default <see cref="DefaultSlowCommandThreshold"/>; <see cref="TimeSpan.Zero"/>
    /// logs every command; null logs none). Needs a <see cref="LoggerFactory"/>.
    /// </summary>
    /// <remarks>
    /// A command is timed from its start to its last row, on the connection it runs on (acquiring
    /// the connection is not counted, except for a stream); a stream's time includes the caller's
    /// work between rows. A negative value is refused with an <see cref="InvalidValueException"/>.
    /// </remarks>
    public TimeSpan? SlowCommandThreshold
    {
        get;
        init => field = value < TimeSpan.Zero
            ? throw new InvalidValueException(nameof(SlowCommandThreshold), "must not be negative.")
            : value;
    } = DefaultSlowCommandThreshold;
}
