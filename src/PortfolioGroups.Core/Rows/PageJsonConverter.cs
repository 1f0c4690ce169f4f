using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PortfolioGroups;

/// <summary>
/// Writes a <see cref="Page{T}"/> as an object, <c>{"Items": [...], "NextCursor": "..." | null}</c>
/// (names through the serializer's naming policy): the rows and the cursor, without the members
/// derived from them.
/// </summary>
/// <remarks>
/// Each item is written with the type information the options resolve for <typeparamref name="T"/>,
/// so the converter works with reflection and with a source-generated context
/// (<see cref="PortfolioGroupsJsonContext"/>) alike. Pages are written, not read: a row cannot be
/// built from JSON without its store.
/// </remarks>
/// <typeparam name="T">The row type.</typeparam>
internal sealed class PageJsonConverter<T> : JsonConverter<Page<T>>
{
    public override Page<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException($"A {nameof(Page<T>)} is written as JSON, not read from it; read the items as a list instead.");

    public override void Write(Utf8JsonWriter writer, Page<T> value, JsonSerializerOptions options)
    {
        var item = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        writer.WriteStartObject();
        writer.WritePropertyName(Name(nameof(Page<T>.Items), options));
        writer.WriteStartArray();
        foreach (var row in value.Items)
        {
            JsonSerializer.Serialize(writer, row, item);
        }

        writer.WriteEndArray();
        writer.WriteString(Name(nameof(Page<T>.NextCursor), options), value.NextCursor);
        writer.WriteEndObject();
    }

    private static string Name(string property, JsonSerializerOptions options) =>
        options.PropertyNamingPolicy?.ConvertName(property) ?? property;
}

/// <summary>
/// The converter named on <see cref="Page{T}"/>: a <see cref="PageJsonConverter{T}"/> for each page
/// type the library returns, made without run-time code generation (so it works with dynamic code
/// off, through reflection or the source-generated <see cref="PortfolioGroupsJsonContext"/>).
/// </summary>
/// <remarks>
/// A page can only be made by the library, and it only pages its three row types; the
/// source generator cannot use an open generic converter, hence this factory.
/// </remarks>
internal sealed class PageJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(Page<Portfolio>)
        || typeToConvert == typeof(Page<PortfolioGroup>)
        || typeToConvert == typeof(Page<PortfolioGroupMembership>);

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(Page<Portfolio>) ? new PageJsonConverter<Portfolio>()
        : typeToConvert == typeof(Page<PortfolioGroup>) ? new PageJsonConverter<PortfolioGroup>()
        : typeToConvert == typeof(Page<PortfolioGroupMembership>) ? new PageJsonConverter<PortfolioGroupMembership>()
        : throw new NotSupportedException($"{typeToConvert} is not a page of a PortfolioGroups row.");
}
