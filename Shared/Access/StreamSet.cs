using System.Security.Cryptography;
using System.Text;

namespace FunctionsDashboard.Access;

/// <summary>
/// A set of streams given by patterns (a union): what a caller may read, or what a dashboard follows. Immutable,
/// canonical (sorted, without patterns covered by others), so equal sets have equal <see cref="Key"/>s.
/// </summary>
public sealed class StreamSet
{
    private readonly HashSet<string> _exact;
    private readonly string[] _prefixes;
    private string? _hash;

    private StreamSet(IReadOnlyList<StreamPattern> patterns)
    {
        Patterns = patterns;
        _exact = patterns.Where(p => !p.IsPrefix).Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        _prefixes = patterns.Where(p => p.IsPrefix).Select(p => p.Prefix).ToArray();
        Key = string.Join(',', patterns.Select(p => p.Text));
    }

    /// <summary>Every stream.</summary>
    public static StreamSet All { get; } = new([StreamPattern.All]);

    /// <summary>No stream.</summary>
    public static StreamSet None { get; } = new([]);

    /// <summary>The canonical patterns.</summary>
    public IReadOnlyList<StreamPattern> Patterns { get; }

    /// <summary>The canonical text (patterns joined by <c>,</c>).</summary>
    public string Key { get; }

    /// <summary>True when no stream is in the set.</summary>
    public bool IsEmpty => Patterns.Count == 0;

    /// <summary>True when the set matches every stream.</summary>
    public bool IsAll => _prefixes.Length == 1 && _prefixes[0].Length == 0;

    /// <summary>True when <paramref name="stream"/> is in the set.</summary>
    public bool Contains(string stream)
    {
        if (_exact.Contains(stream))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (stream.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The exact stream names of the set (not the prefix patterns).</summary>
    public IEnumerable<string> ExactStreams => Patterns.Where(p => !p.IsPrefix).Select(p => p.Text);

    /// <summary>The canonical set of <paramref name="patterns"/>.</summary>
    public static StreamSet Of(IEnumerable<StreamPattern> patterns)
    {
        var distinct = patterns.Distinct().ToList();
        var kept = distinct
            .Where(p => !distinct.Any(o => o != p && p.IsWithin(o) && !(o.IsWithin(p) && string.CompareOrdinal(o.Text, p.Text) > 0)))
            .OrderBy(p => p.Text, StringComparer.Ordinal)
            .ToList();
        return kept.Count == 0 ? None : new StreamSet(kept);
    }

    /// <summary>The streams in both sets.</summary>
    public StreamSet Intersect(StreamSet other)
    {
        if (IsAll)
        {
            return other;
        }

        if (other.IsAll)
        {
            return this;
        }

        var result = new List<StreamPattern>();
        foreach (var a in Patterns)
        {
            foreach (var b in other.Patterns)
            {
                if (a.IsWithin(b))
                {
                    result.Add(a);
                }
                else if (b.IsWithin(a))
                {
                    result.Add(b);
                }
            }
        }

        return Of(result);
    }

    /// <summary>A short, stable hash of <see cref="Key"/> (16 lower-case hex digits); computed once per set.</summary>
    public string Hash() => _hash ??= Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)))[..16];

    /// <inheritdoc />
    public override string ToString() => Key;
}
