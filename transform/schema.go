package transform

// Widen returns the type of a column that has held values of type t and now
// receives one of type u. It is how a writer infers the type of a column that
// has no declared type from the data of one flush:
//
//   - NULL says nothing: Widen(Null, u) = u;
//   - INT32 and INT64 widen to INT64, integers and DOUBLE to DOUBLE, DATE and
//     TIMESTAMP to TIMESTAMP;
//   - anything else that is mixed becomes VARCHAR (values are then cast);
//   - objects and arrays arrive as JSON and stay JSON when not mixed.
//
// A declared type is not widened: the writer casts values to it (see
// State.Cast), and a value that does not convert is NULL.
func Widen(t, u Type) Type {
	switch {
	case t == u || u == Null:
		return t
	case t == Null:
		return u
	case isNumeric(t) && isNumeric(u):
		if t == Double || u == Double {
			return Double
		}
		return Int64
	case (t == Date && u == Timestamp) || (t == Timestamp && u == Date):
		return Timestamp
	}
	return Varchar
}

// ColumnType is the type a writer gives a column: the declared type when
// there is one, else the type inferred from the data (Widen over every
// value), and VARCHAR when every value was NULL so that the column still has
// a type.
func ColumnType(declared, inferred Type) Type {
	switch {
	case declared != Null:
		return declared
	case inferred != Null:
		return inferred
	}
	return Varchar
}
