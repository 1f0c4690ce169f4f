namespace PortfolioGroups;

/// <summary>How hard SQLite works to make a commit survive a power loss: SQLite's <c>PRAGMA synchronous</c>.</summary>
/// <remarks>
/// The library opens file databases in WAL mode, where both modes keep the database consistent
/// (never corrupt) after a crash of the application, the operating system or the machine. They
/// differ only in durability after an operating-system crash or a power loss.
/// </remarks>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Every commit waits for the write-ahead log to reach the disk (<c>synchronous = FULL</c>,
    /// SQLite's own default): a call that returned has written durably, even across a power loss.
    /// </summary>
    Full = 0,

    /// <summary>
    /// Commits do not wait for the disk; the log is synced at checkpoints (<c>synchronous = NORMAL</c>).
    /// A crash of the application loses nothing, but a power loss or an operating-system crash can
    /// lose the last commits (the database stays consistent). Much faster for many small writes.
    /// </summary>
    Normal = 1,
}
