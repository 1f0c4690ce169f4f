using System.Text.Json;

namespace PortfolioGroups;

/// <summary>
/// A change to one field: either "leave as is" (the default) or "set to this value", which may be
/// null. Converts implicitly from the value, so <c>new PortfolioGroupChanges { Description = null }</c>
/// clears the description while properties left unset stay unchanged.
/// </summary>
/// <typeparam name="T">The field's type.</typeparam>
public readonly struct Change<T> : IEquatable<Change<T>>
{
    private Change(T value)
    {
        Value = value;
        IsSet = true;
    }

    /// <summary>Whether the field is to be set.</summary>
    public bool IsSet { get; }

    /// <summary>The new value, when <see cref="IsSet"/>.</summary>
    public T Value { get; }

    /// <summary>A change that sets the field to <paramref name="value"/>.</summary>
    public static implicit operator Change<T>(T value) => new(value);

    /// <inheritdoc />
    public bool Equals(Change<T> other) => IsSet == other.IsSet && EqualityComparer<T>.Default.Equals(Value, other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Change<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(IsSet, Value);

    /// <summary>Compares two changes.</summary>
    public static bool operator ==(Change<T> left, Change<T> right) => left.Equals(right);

    /// <summary>Compares two changes.</summary>
    public static bool operator !=(Change<T> left, Change<T> right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => IsSet ? $"set to {Value}" : "unchanged";
}

/// <summary>Makes <see cref="Change{T}"/> values.</summary>
public static class Change
{
    /// <summary>A change that sets a field to <paramref name="value"/>.</summary>
    public static Change<T> To<T>(T value) => value;
}

/// <summary>The fields of a portfolio that an update may change; unset fields stay as they are.</summary>
/// <remarks>The unique identifier is the natural key and does not change; the uid never does.</remarks>
public sealed record PortfolioChanges
{
    /// <summary>The new display name, or null to clear it.</summary>
    public Change<string?> DisplayName { get; init; }
}

/// <summary>The fields of a group that an update may change: display name, description and metadata. Unset fields stay as they are.</summary>
/// <remarks>The unique identifier is the natural key and does not change; the uid never does.</remarks>
public sealed record PortfolioGroupChanges
{
    /// <summary>The new display name (required: not null or whitespace).</summary>
    public Change<string> DisplayName { get; init; }

    /// <summary>The new description, or null to clear it.</summary>
    public Change<string?> Description { get; init; }

    /// <summary>The new metadata, a JSON object, or null to clear it.</summary>
    public Change<JsonElement?> Metadata { get; init; }
}

/// <summary>Moves a membership to another group and/or another portfolio; unset sides stay as they are.</summary>
public sealed record PortfolioGroupMembershipChanges
{
    /// <summary>The group the membership moves to.</summary>
    public PortfolioGroupRef? Group { get; init; }

    /// <summary>The portfolio the membership moves to.</summary>
    public PortfolioRef? Portfolio { get; init; }
}
