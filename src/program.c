/* program.c - see program.h. */
#include "program.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int program_resolve(const char *cmd, const char *path, char *buf, size_t cap)
{
	FILE *f;
	char line[256];

	if (strchr(cmd, '/')) {
		snprintf(buf, cap, "%s", cmd);
	} else {
		const char *dir = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
		int found = 0;

		/* An empty entry is the current directory, as execvp takes it. */
		while (!found && *dir) {
			size_t len = strcspn(dir, ":");

			snprintf(buf, cap, "%.*s/%s", (int)len, len ? dir : ".", cmd);
			found = access(buf, X_OK) == 0;
			dir += len + (dir[len] == ':');
		}
		if (!found)
			return -ENOENT;
	}
	f = fopen(buf, "re");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *interp = line + 2 + strspn(line + 2, " \t");

		interp[strcspn(interp, " \t\n")] = '\0';
		snprintf(buf, cap, "%s", interp);
	}
	fclose(f);
	return 0;
}
