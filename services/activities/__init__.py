"""Activities: the unions directory, activities and their review trail, seasons, lectures."""
