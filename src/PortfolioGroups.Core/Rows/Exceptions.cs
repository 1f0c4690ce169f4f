namespace PortfolioGroups;

/// <summary>The base of every error the library raises for a foreseeable failure.</summary>
/// <remarks>
/// Catch this type to handle any library error; catch a derived type for one case. Database
/// driver exceptions are translated into these for the cases the library can foresee (missing
/// rows, duplicate keys, invalid values); a failed call writes nothing.
/// </remarks>
public class PortfolioGroupsException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public PortfolioGroupsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public PortfolioGroupsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a default message.</summary>
    public PortfolioGroupsException()
        : base("A PortfolioGroups operation failed.")
    {
    }
}

/// <summary>A row named by the caller does not exist.</summary>
/// <remarks>The message names the table and the key the row was looked up by.</remarks>
public sealed class RowNotFoundException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a table, a key name and the value looked up.</summary>
    public RowNotFoundException(string table, string keyName, string keyValue, Exception? innerException = null)
        : base($"No {table} row has {keyName} '{keyValue}'.", innerException)
    {
        Table = table;
        KeyName = keyName;
        KeyValue = keyValue;
    }

    private RowNotFoundException(string table, string keyName, string keyValue, string message)
        : base(message)
    {
        Table = table;
        KeyName = keyName;
        KeyValue = keyValue;
    }

    /// <summary>The MetaTable identifier of the table, such as <c>PortfolioGroup</c> (both, joined with "or", when a bulk call missed rows of both).</summary>
    public string Table { get; }

    /// <summary>The key the row was looked up by: <c>uid</c> or <c>unique_identifier</c> (both, joined with "or", when a bulk call used both).</summary>
    public string KeyName { get; }

    /// <summary>The value that was looked up.</summary>
    /// <remarks>For a call that named many rows, the first few missing values and how many are missing in all.</remarks>
    public string KeyValue { get; }

    /// <summary>
    /// One exception for the references a call named that no row has. The message says, table by
    /// table and key by key, which values are missing, and how many in all.
    /// </summary>
    /// <param name="listed">The first few missing references, in the order to report them.</param>
    /// <param name="total">How many references are missing in all (at least <c>listed.Count</c>).</param>
    /// <param name="table">The <see cref="Table"/> property.</param>
    /// <param name="keyName">The <see cref="KeyName"/> property.</param>
    /// <param name="keyValue">The <see cref="KeyValue"/> property.</param>
    internal static RowNotFoundException Missing(IReadOnlyList<(string Table, string KeyName, string KeyValue)> listed, long total, string table, string keyName, string keyValue)
    {
        var clauses = listed
            .GroupBy(m => m.Table, StringComparer.Ordinal)
            .Select(t => $"no {t.Key} row has "
                + OrList(t.GroupBy(m => m.KeyName, StringComparer.Ordinal).Select(k => $"{k.Key} {OrList(k.Select(m => $"'{m.KeyValue}'"))}")));
        var sentence = string.Join("; ", clauses);
        sentence = char.ToUpperInvariant(sentence[0]) + sentence[1..];
        var unlisted = total - listed.Count;
        var message = total <= 1 ? sentence + "."
            : unlisted > 0 ? $"{sentence}; {unlisted} more are not listed ({total} missing references in all)."
            : $"{sentence} ({total} missing references in all).";
        return new RowNotFoundException(table, keyName, keyValue, message);
    }

    private static string OrList(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count == 1 ? all[0] : $"{string.Join(", ", all[..^1])} or {all[^1]}";
    }
}

/// <summary>A create would duplicate an existing key (a unique identifier, a uid, or a membership pair).</summary>
public sealed class DuplicateKeyException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a table and the key that is already taken.</summary>
    public DuplicateKeyException(string table, string keyName, string? keyValue, Exception? innerException = null)
        : base(keyValue is null
            ? $"A {table} row with the same {keyName} already exists."
            : $"A {table} row with {keyName} '{keyValue}' already exists.", innerException)
    {
        Table = table;
        KeyName = keyName;
        KeyValue = keyValue;
    }

    /// <summary>The MetaTable identifier of the table.</summary>
    public string Table { get; }

    /// <summary>The key (column or columns) that is already taken.</summary>
    public string KeyName { get; }

    /// <summary>The duplicated value, when known.</summary>
    public string? KeyValue { get; }
}

/// <summary>A value passed by the caller is invalid; nothing was written.</summary>
/// <remarks>The message and <see cref="Field"/> name the bad field.</remarks>
public sealed class InvalidValueException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a field and the reason it is invalid.</summary>
    public InvalidValueException(string field, string reason)
        : base($"Invalid {field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The name of the bad field or argument, such as <c>uniqueIdentifier</c>.</summary>
    public string Field { get; }

    /// <summary>Why the value is invalid.</summary>
    public string Reason { get; }
}

/// <summary>
/// The database could not complete the call for a reason that may pass: the connection was lost
/// (the server ended it, restarted or is unreachable), or the database stayed busy. The driver's
/// exception is <see cref="Exception.InnerException"/>.
/// </summary>
/// <remarks>
/// A read whose connection was lost is retried once on a fresh connection before this is thrown; a
/// write is not (it may have committed just before the connection was lost). A call the database
/// ended to break a deadlock (or for a serialization failure) wrote nothing: when it is one
/// statement, or a transaction that reads no rows from the caller as it goes, it runs again up to
/// three times before this is thrown; a bulk call reading the caller's rows, or a call inside a
/// transaction of the caller's (whose earlier locks may be part of the deadlock), throws at once.
/// Every call is one statement or one transaction, so a write is either applied whole or not at
/// all; running an idempotent call again (an add, an upsert, a remove, a delete) is safe. See
/// docs/reliability.md.
/// </remarks>
public sealed class TransientStorageException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a message and the driver's exception.</summary>
    public TransientStorageException(string message, bool connectionLost, Exception? innerException)
        : base(message, innerException)
    {
        ConnectionLost = connectionLost;
    }

    /// <summary>True when the connection was lost or could not be made; false when the database was busy.</summary>
    public bool ConnectionLost { get; }

    /// <summary>
    /// True when the database ended the call's transaction so that a concurrent one could go on (a
    /// deadlock's victim, a serialization failure): nothing was written, so the library may run a
    /// call that is its own transaction again.
    /// </summary>
    internal bool RolledBackForConflict { get; init; }
}

/// <summary>
/// A row the database holds cannot be read as a library row: it was written outside the library
/// (plain SQL, another program) before the database refused such rows, and breaks a rule the
/// library's reads rely on, such as a uid that is not a UUID or metadata that is not readable JSON.
/// </summary>
/// <remarks>
/// Only a call that returns the row fails: other rows, listings that do not include it, and counts
/// still work. The message names the table, the row's uid (as stored) and what is wrong; fix or
/// delete the row with SQL. The database refuses such rows from migration 2026120101 on. See
/// docs/reliability.md.
/// </remarks>
public sealed class UnreadableRowException : PortfolioGroupsException
{
    /// <summary>Creates the exception for a table, the row's uid as stored, the column and what is wrong with it.</summary>
    public UnreadableRowException(string table, string uid, string column, string reason, Exception? innerException = null)
        : base($"A {table} row (uid '{uid}') cannot be read: its {column} {reason} Fix or delete the row with SQL.", innerException)
    {
        Table = table;
        Uid = uid;
        Column = column;
        Reason = reason;
    }

    /// <summary>The MetaTable identifier of the table, such as <c>PortfolioGroup</c>.</summary>
    public string Table { get; }

    /// <summary>The row's uid as the database stores it (it may not be a UUID).</summary>
    public string Uid { get; }

    /// <summary>The column that cannot be read, such as <c>metadata_json</c>.</summary>
    public string Column { get; }

    /// <summary>What is wrong with the value.</summary>
    public string Reason { get; }
}
