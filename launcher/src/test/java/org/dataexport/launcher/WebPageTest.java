package org.dataexport.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import org.dataexport.launcher.jobs.Digests;
import org.dataexport.launcher.jobs.JobRecord;
import org.dataexport.launcher.jobs.JobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exports page in a real headless Chromium (Debian's chromium and chromium-driver): sign in,
 * watch an export started through the API progress and finish, read its files in the detail view,
 * cancel a running export from the page, and see a destination holding {@code <script>} as text.
 */
class WebPageTest {
    private static final Map<String, String> ASYNC = Map.of("Prefer", "respond-async");
    private static WebDriver browser;

    private final TestServer server = TestServer.get();

    @BeforeAll
    static void startBrowser() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void signInWatchAnExportReadItsFilesAndCancelAnother() throws Exception {
        browser.get(server.baseUrl() + "/");
        browser.findElement(By.id("token")).sendKeys("not-the-token");
        browser.findElement(By.cssSelector("#sign-in button")).click();
        waitFor(() -> !browser.findElement(By.id("sign-in-error")).getText().isEmpty());
        browser.findElement(By.id("token")).sendKeys(TestServer.TOKEN);
        browser.findElement(By.cssSelector("#sign-in button")).click();
        waitFor(() -> browser.findElement(By.id("list-view")).isDisplayed());

        // An export started through the API shows up, moves, and finishes on the page.
        Path destination = server.newLocalDestination("page");
        String exportId = submit(server.localRequest(destination).put("dataset", "slowrows").put("include_file_stats", true).toString());
        waitFor(() -> rowText(exportId, ".state").equals("running"));
        waitFor(() -> !rowText(exportId, ".progress-text").contains("rows 0 "));
        waitFor(() -> rowText(exportId, ".state").equals("succeeded"));
        assertTrue(rowText(exportId, ".elapsed").endsWith(" s"), rowText(exportId, ".elapsed"));
        assertEquals("tasks 2/2 · rows 80,000 · files 2", rowText(exportId, ".progress-text"));

        // A finished export's detail view lists its files with their figures, and charts them against the layout.
        String layout = submit(server.localRequest(server.newLocalDestination("page-layout")).put("dataset", "numbers")
                .put("row_group_size", 200_000).put("target_file_size_bytes", 1_000_000).toString());
        waitFor(() -> rowText(layout, ".state").equals("succeeded"));
        JsonNode job = server.call("GET", "/v2/data/export/" + layout).json();
        int fileCount = job.at("/data/export_result/files").size();
        assertTrue(fileCount > 4, job.toString());
        click("tr[data-export-id='" + layout + "'] button.details");
        waitFor(() -> browser.findElements(By.cssSelector("#files tbody tr")).size() == fileCount);
        // Read in one go: the page redraws the table every second.
        @SuppressWarnings("unchecked")
        List<List<String>> files = (List<List<String>>) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll('#files tbody tr')].map(r => ['.file', '.rows', '.size'].map(c => r.querySelector(c).textContent))");
        for (int i = 0; i < files.size(); i++) {
            JsonNode stat = job.at("/data/export_result/file_stats/" + i);
            assertEquals(List.of(stat.get("file").asText(), String.format("%,d", stat.get("row_count").asLong()),
                    String.format("%,d", stat.get("file_size_bytes").asLong())), files.get(i));
        }
        assertEquals(fileCount, browser.findElements(By.cssSelector(".chart.files rect")).size());
        assertEquals(1, browser.findElements(By.cssSelector(".chart.files line")).size(), "the target's line");
        assertEquals(1, browser.findElements(By.cssSelector(".chart.groups line")).size(), "row_group_size's line");
        screenshot();

        // A running export is cancelled from the page.
        String running = submit(server.localRequest(server.newLocalDestination("page-cancel")).put("dataset", "slowrows").toString());
        waitFor(() -> rowText(running, ".state").equals("running"));
        click("tr[data-export-id='" + running + "'] button.cancel");
        waitFor(() -> rowText(running, ".state").equals("cancelled"));
        assertEquals("cancelled", server.call("GET", "/v2/data/export/" + running).json().at("/data/state").asText());
    }

    @Test
    void valuesAreShownAsTextNeverAsMarkup() throws Exception {
        // No path the API accepts holds markup; a record can (a store shared with another service, an old version).
        String exportId = UUID.randomUUID().toString();
        String prefix = "/exports/<script>window.injected = 1</script><img src=x onerror=\"window.injected = 2\">";
        try (JobStore store = JobStore.open("jdbc:sqlite:" + server.workDir.resolve("var/jobs.db"), Optional.empty(), Optional.empty())) {
            store.insert(JobRecord.queued(exportId, Digests.of(TestServer.TOKEN), "elsewhere", Instant.now(),
                    new JobRecord.Target(prefix, Optional.empty(), "Parquet", "multi_file")), Optional.empty(), Optional.empty());
        }
        browser.get(server.baseUrl() + "/");
        if (!browser.findElement(By.id("list-view")).isDisplayed()) {
            browser.findElement(By.id("token")).sendKeys(TestServer.TOKEN);
            browser.findElement(By.cssSelector("#sign-in button")).click();
        }
        waitFor(() -> !browser.findElements(By.cssSelector("tr[data-export-id='" + exportId + "']")).isEmpty());

        assertEquals(prefix, rowText(exportId, ".destination"));
        assertEquals(1L, ((Number) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return document.querySelectorAll('script').length")).longValue(), "only the page's own script");
        assertEquals(0L, ((Number) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return document.querySelectorAll('#exports img').length")).longValue());
        assertEquals(null, ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return window.injected === undefined ? null : window.injected"));
    }

    // --- helpers

    private String submit(String body) {
        TestServer.Response accepted = server.postWith(server.baseUrl(), body, ASYNC);
        assertEquals(202, accepted.status(), accepted.body());
        return accepted.json().at("/data/export_id").asText();
    }

    /** Clicks what the selector finds, again if the page redrew it in between. */
    private static void click(String selector) {
        waitFor(() -> {
            List<WebElement> found = browser.findElements(By.cssSelector(selector));
            if (found.isEmpty()) {
                return false;
            }
            found.get(0).click();
            return true;
        });
    }

    private String rowText(String exportId, String cell) {
        List<WebElement> rows = browser.findElements(By.cssSelector("tr[data-export-id='" + exportId + "'] " + cell));
        try {
            return rows.isEmpty() ? "" : rows.get(0).getText();
        } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
            return "";
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(60)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> condition.getAsBoolean());
    }

    /** The README's picture of the page: written by this test, copied to docs/ when it changes. */
    private static void screenshot() throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target/exports-page.png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
