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

    /// <summary>The MetaTable identifier of the table, such as <c>PortfolioGroup</c>.</summary>
    public string Table { get; }

    /// <summary>The key the row was looked up by: <c>uid</c> or <c>unique_identifier</c>.</summary>
    public string KeyName { get; }

    /// <summary>The value that was looked up.</summary>
    public string KeyValue { get; }
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
