/* libFuzzer target: whatever arrives on UDP port 4500, through RFC 3948
 * demultiplexing and ESP decapsulation to an IP packet. Every outcome must
 * be a result or a counted drop; ASan/UBSan catch the rest. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/esp_ip.h"
#include "tests/fuzz/esp_fuzz_sa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipaddr src, dst;
	struct esp_sa *sa;
	enum esp_drop why = ESP_DROP_MAX;
	uint8_t *buf, *ip, *sealed = NULL;
	size_t len, iplen, i;
	uint64_t drops = 0;
	int rc;

	if (size < 1 || size > 70000)
		return 0;
	len = size - 1;
	if (FUZZ_ESP_SEAL(data[0])) {
		if ((sealed = malloc(len + 64)) == NULL)
			abort();
		len = fuzz_esp_seal(data[0], data + 1, len, sealed);
	}
	/* exactly len bytes after the headroom, so ASan sees overreads */
	if ((buf = malloc(ESP_IP_HEADROOM + len)) == NULL)
		abort();
	memcpy(buf + ESP_IP_HEADROOM, sealed ? sealed : data + 1, len);
	free(sealed);
	if (esp_udp_classify(buf + ESP_IP_HEADROOM, len) != ESP_UDP_ESP) {
		free(buf);
		return 0;
	}
	if ((sa = fuzz_esp_sa(data[0], true)) == NULL)
		abort();
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = dst.family = FUZZ_ESP_V6(data[0]) ? AF_INET6 : AF_INET;
	src.a[0] = 10;
	dst.a[0] = 10;
	dst.a[3] = 2;
	rc = esp_ip_decap(sa, buf + ESP_IP_HEADROOM, len, &src, &dst,
	    FUZZ_ESP_UDP(data[0]), &ip, &iplen, &why);
	for (i = 0; i < ESP_DROP_MAX; i++)
		drops += esp_sa_stats(sa)->drops[i];
	if (rc == -1 && (drops != 1 || why >= ESP_DROP_MAX))
		abort();	/* every drop is counted once, with a reason */
	if (rc == 0 && (ip < buf || ip + iplen > buf + ESP_IP_HEADROOM + len))
		abort();
	if (FUZZ_ESP_SEAL(data[0]) && why == ESP_DROP_AUTH)
		abort();
	free(buf);
	esp_sa_free(sa);
	return 0;
}
