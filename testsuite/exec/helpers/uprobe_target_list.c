/*
 * The other unit of uprobe_target: the only one whose DWARF has the
 * members of struct item (uprobe_target.c declares it).
 */
struct item {
	int value;
	const char *name;
	struct item *next;
};

static struct item items[3] = {
	{ 1, "one", &items[1] },
	{ 2, "two", &items[2] },
	{ 3, "three", 0 },
};

struct item *list_make(void);
struct item *list_make(void)
{
	return items;
}
