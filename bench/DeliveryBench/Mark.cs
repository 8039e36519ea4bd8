using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>What a latency client keeps of one event: its number and publish timestamp (<c>data.n</c>, <c>data.t</c>).</summary>
internal readonly record struct Mark(int N, long T)
{
    /// <summary>Reads a <see cref="EventLog.DashboardEvent"/>-shaped object, keeping only <c>data.n</c> and <c>data.t</c>.</summary>
    public sealed class Converter : JsonConverter<Mark>
    {
        public override Mark Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            int n = -1;
            long t = 0;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.ValueTextEquals("n"u8) ? 'n' : reader.ValueTextEquals("t"u8) ? 't' : ' ';
                    reader.Read();
                    switch (name)
                    {
                        case 'n':
                            n = reader.GetInt32();
                            break;
                        case 't':
                            t = reader.GetInt64();
                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                }
            }

            return new Mark(n, t);
        }

        public override void Write(Utf8JsonWriter writer, Mark value, JsonSerializerOptions options) => throw new NotSupportedException();

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
        {
            if (reader.TokenType != type)
            {
                throw new JsonException($"Expected {type}, found {reader.TokenType}.");
            }
        }
    }
}
