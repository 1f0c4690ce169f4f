namespace PortfolioGroups;

/// <summary>
/// Names a portfolio by its uid or by its unique identifier. Converts implicitly from a
/// <see cref="Portfolio"/> row, a <see cref="Guid"/> or a <see cref="string"/>, so every helper
/// that takes a portfolio accepts any of the three, unambiguously at compile time.
/// </summary>
/// <remarks>A unique identifier is resolved in the database, inside the statement that needs it.</remarks>
public readonly struct PortfolioRef : IEquatable<PortfolioRef>
{
    private PortfolioRef(Guid? uid, string? uniqueIdentifier)
    {
        Uid = uid;
        UniqueIdentifier = uniqueIdentifier;
    }

    /// <summary>The uid, when the portfolio is named by uid (or by a row).</summary>
    public Guid? Uid { get; }

    /// <summary>The unique identifier, when the portfolio is named by it.</summary>
    public string? UniqueIdentifier { get; }

    /// <summary>Names a portfolio by uid.</summary>
    public static PortfolioRef ByUid(Guid uid) => new(uid, null);

    /// <summary>Names a portfolio by unique identifier.</summary>
    public static PortfolioRef ByUniqueIdentifier(string uniqueIdentifier) => new(null, uniqueIdentifier);

    /// <summary>Names a portfolio by its row.</summary>
    public static PortfolioRef FromPortfolio(Portfolio portfolio) => new(portfolio?.Uid, null);

    /// <summary>Names a portfolio by uid.</summary>
    public static implicit operator PortfolioRef(Guid uid) => ByUid(uid);

    /// <summary>Names a portfolio by unique identifier.</summary>
    public static implicit operator PortfolioRef(string uniqueIdentifier) => ByUniqueIdentifier(uniqueIdentifier);

    /// <summary>Names a portfolio by its row.</summary>
    public static implicit operator PortfolioRef(Portfolio portfolio) => FromPortfolio(portfolio);

    /// <inheritdoc />
    public bool Equals(PortfolioRef other) => Uid == other.Uid && UniqueIdentifier == other.UniqueIdentifier;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PortfolioRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, UniqueIdentifier);

    /// <summary>Compares two references by what they name.</summary>
    public static bool operator ==(PortfolioRef left, PortfolioRef right) => left.Equals(right);

    /// <summary>Compares two references by what they name.</summary>
    public static bool operator !=(PortfolioRef left, PortfolioRef right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Uid?.ToString() ?? UniqueIdentifier ?? "(none)";
}

/// <summary>
/// Names a portfolio group by its uid or by its unique identifier. Converts implicitly from a
/// <see cref="PortfolioGroup"/> row, a <see cref="Guid"/> or a <see cref="string"/>.
/// </summary>
/// <remarks>A unique identifier is resolved in the database, inside the statement that needs it.</remarks>
public readonly struct PortfolioGroupRef : IEquatable<PortfolioGroupRef>
{
    private PortfolioGroupRef(Guid? uid, string? uniqueIdentifier)
    {
        Uid = uid;
        UniqueIdentifier = uniqueIdentifier;
    }

    /// <summary>The uid, when the group is named by uid (or by a row).</summary>
    public Guid? Uid { get; }

    /// <summary>The unique identifier, when the group is named by it.</summary>
    public string? UniqueIdentifier { get; }

    /// <summary>Names a group by uid.</summary>
    public static PortfolioGroupRef ByUid(Guid uid) => new(uid, null);

    /// <summary>Names a group by unique identifier.</summary>
    public static PortfolioGroupRef ByUniqueIdentifier(string uniqueIdentifier) => new(null, uniqueIdentifier);

    /// <summary>Names a group by its row.</summary>
    public static PortfolioGroupRef FromPortfolioGroup(PortfolioGroup group) => new(group?.Uid, null);

    /// <summary>Names a group by uid.</summary>
    public static implicit operator PortfolioGroupRef(Guid uid) => ByUid(uid);

    /// <summary>Names a group by unique identifier.</summary>
    public static implicit operator PortfolioGroupRef(string uniqueIdentifier) => ByUniqueIdentifier(uniqueIdentifier);

    /// <summary>Names a group by its row.</summary>
    public static implicit operator PortfolioGroupRef(PortfolioGroup group) => FromPortfolioGroup(group);

    /// <inheritdoc />
    public bool Equals(PortfolioGroupRef other) => Uid == other.Uid && UniqueIdentifier == other.UniqueIdentifier;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PortfolioGroupRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, UniqueIdentifier);

    /// <summary>Compares two references by what they name.</summary>
    public static bool operator ==(PortfolioGroupRef left, PortfolioGroupRef right) => left.Equals(right);

    /// <summary>Compares two references by what they name.</summary>
    public static bool operator !=(PortfolioGroupRef left, PortfolioGroupRef right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Uid?.ToString() ?? UniqueIdentifier ?? "(none)";
}
