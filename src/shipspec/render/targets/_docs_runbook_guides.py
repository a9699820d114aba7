"""What each alarm means and how to act on it, keyed by what it watches and its check.

Data for :mod:`._docs_runbook`, which builds the runbook's alarm sections: CPU on an ECS
service is not CPU on RDS, and a full disk on RDS, SQL Server or OpenSearch takes
different commands, so the guidance is keyed ``<kind>:<check>`` (``postgres:free-storage``,
``sqlserver:free-storage``, ``opensearch:free-storage``); a database's kind is its engine,
since each speaks its own SQL. Commands use the shell variables
the runbook's "Before you start" block derives from the stack's outputs (``$CLUSTER``), and
the generic ones each alarm section sets first to the service or datastore its alarm watches
(``$SERVICE``, ``$QUEUE_URL``, ``$DB_ID``...: ``_docs_runbook_vars``); a test checks every
``aws`` command against botocore's models.
"""

from __future__ import annotations

from ._docs_runbook_cert_guides import CERT_GUIDES
from ._docs_runbook_datastore_guides import DATASTORE_GUIDES
from ._docs_runbook_docdb_guides import DOCDB_GUIDES
from ._docs_runbook_guide import DESCRIBE as _DESCRIBE
from ._docs_runbook_guide import Guide
from ._docs_runbook_manual import FIRST
from ._docs_runbook_search_guides import SEARCH_GUIDES
from ._docs_runbook_sql_guides import SQL_GUIDES

_STOPPED_TASKS = (
    'stopped tasks: `aws ecs list-tasks --cluster "$CLUSTER" --service-name "$SERVICE" '
    '--desired-status STOPPED`, then `aws ecs describe-tasks --cluster "$CLUSTER" --tasks '
    "<task ARN> --query 'tasks[].[stoppedReason,healthStatus,containers[].[name,lastStatus,"
    "healthStatus,exitCode,reason]]'`"
)
_SERVICE_LOGS = "the service's log group in CloudWatch Logs (`/ecs/...`), newest first"
# Both target groups: ECS blue-green, linear and canary deployments move live traffic to the
# alternate group on each deployment (advancedConfiguration.alternateTargetGroupArn), so the
# first one alone may be the idle one; a JMESPath projection drops a rolling service's null.
_TARGET_HEALTH = (
    '`for tg in $(aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" '
    "--query 'services[0].loadBalancers[0].[targetGroupArn, "
    "advancedConfiguration.alternateTargetGroupArn][]' --output text); do aws elbv2 "
    'describe-target-health --target-group-arn "$tg"; done`'
)


GUIDES: dict[str, Guide] = {
    "service:5xx-ratio": Guide(
        "5xx responses",
        "Users are getting server errors right now: the share of 5xx responses (the "
        "targets' own, and the load balancer's when it serves only this service) passed the "
        "fast-burn rate of the availability SLO, over at least the plan's minimum request "
        "count. It is also a rollback alarm: during a deployment ECS rolls back on its own.",
        (
            f"{_DESCRIBE} for the numbers",
            f"{_SERVICE_LOGS}: the first stack trace",
            'did a deployment just start? `aws ecs list-service-deployments --cluster "$CLUSTER" '
            '--service "$SERVICE"`',
        ),
        (
            "a deployment in progress: let the automatic rollback finish, or stop it now with "
            "`aws ecs stop-service-deployment --service-deployment-arn <arn> --stop-type ROLLBACK`",
            "a bad release already finished: roll back (see Rollback above)",
            "a dependency failing (database, cache, queue): follow that alarm's section",
            "the logs say the service cannot sign in to its database (PostgreSQL `PAM "
            "authentication failed`, MySQL `Access denied`, DocumentDB `Authentication failed` "
            "with `MONGODB-AWS`) where each service has its own database user: the user is "
            "missing or lacks a grant (a new service, a replaced task role, a failed "
            "`<datastore>-admin` run). Run that datastore's admin task again as the handoff's "
            '"Database users" or "DocumentDB users" section for the environment shows: it '
            "creates what is missing and changes nothing else",
        ),
    ),
    "service:latency-p99": Guide(
        "p99 latency",
        "The slowest 1% of requests take longer than the latency the handoff promises. A "
        "rollback alarm during deployments and a ticket; where the handoff has a latency SLO, "
        "its burn-rate alarms (the share of responses slower than the threshold) page in "
        "production.",
        (
            f"{_DESCRIBE}",
            "CPU and memory of the service (its `cpu` and `memory` alarms)",
            "database CPU and connections; cache evictions",
        ),
        (
            "saturated: scale out (see Scaling above)",
            "slow queries: find them with Performance Insights, or the statement statistics "
            "in the database's CPU section",
            "a release made it slower: roll back",
        ),
    ),
    "service:unhealthy-hosts": Guide(
        "unhealthy targets",
        "A task fails the load balancer's health check; the load balancer routes around it.",
        (
            f"{_TARGET_HEALTH}: the reason per target",
            f"{_SERVICE_LOGS}: startup errors, the health path's answer",
        ),
        (
            "a task that cannot start: fix its config or secret and redeploy",
            "health checks too strict for startup: raise `health.grace_seconds` in the handoff",
        ),
    ),
    "service:connect-5xx-ratio": Guide(
        "5xx to calling services",
        "Services that call this one through Service Connect get server errors: their "
        "Service Connect proxies count them (per caller, by the callee's discovery name), "
        "over the requests those proxies sent it; for an internal service its load "
        "balancer's target 5xx and requests count too. No load balancer sees these calls. "
        "Calls that never reach this service (a security group, its proxy) count: the "
        "callers' proxies answer them 503 themselves, while this service's own proxy and "
        "logs show nothing. It is also a rollback alarm: during a deployment ECS rolls "
        "back on its own. It counts the HTTP port's calls only: a gRPC port answers its "
        "errors as a grpc-status on HTTP 200, which no 5xx count sees, so failing gRPC calls "
        "neither raise it nor roll back.",
        (
            f"{_DESCRIBE} for the numbers",
            f"{_SERVICE_LOGS}: the application's errors, and the `service-connect/` streams "
            "for the proxy's (timeouts, no healthy endpoint)",
            "the callers' `service-connect/` streams when this service's own show no "
            "requests: 503s there (connection refused or timed out) mean the calls do not "
            "reach it, so check its security group and its proxy",
            "the Service Connect graphs of the service on the dashboard: which caller, since when",
        ),
        (
            "a bad release of this service: roll back (see Rollback above)",
            "no task running or all failing: follow its `running-tasks` section",
            "a dependency failing (database, cache, queue): follow that alarm's section",
        ),
    ),
    "service:tcp-resets": Guide(
        "connections reset by the network load balancer",
        "The service's Network Load Balancer resets new TCP connections itself: no healthy "
        "target in the client's zone, or a target that refused or did not answer in time.",
        (
            f"{_DESCRIBE} for the numbers",
            f"{_TARGET_HEALTH}: whether any target is healthy",
            f"{_SERVICE_LOGS}: a listener that crashed or stopped accepting",
        ),
        (
            "no healthy target: follow its `no-healthy-hosts` and `running-tasks` sections",
            "a bad release: roll back (see Rollback above)",
            "the application closes idle connections: NLB idles TCP flows out after 350 s; "
            "send keepalives more often",
        ),
    ),
    "service:cpu": Guide(
        "CPU (ECS service)",
        "Autoscaling cannot keep CPU near its target: the service is at max_count or cannot "
        "place more tasks.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,events[:5]]'`",
        ),
        (
            "raise the ceiling now (see Scaling above), then `scaling.max` in the handoff",
            "a hot loop or a traffic spike from one client: the logs and the WAF's sampled "
            "requests show which",
        ),
    ),
    "queue-service:cpu": Guide(
        "CPU (queue consumer)",
        "A queue consumer scales on its queue's backlog per task, not on CPU: more messages "
        "start more tasks, but nothing lowers the CPU each task spends on its messages. CPU "
        "this high for 15 minutes means every task is saturated by its own work: a hot loop, "
        "heavier messages than before, or too small a `cpu`; its messages then wait longer.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,events[:5]]'`",
            'the queue\'s backlog: `aws sqs get-queue-attributes --queue-url "$QUEUE_URL" '
            "--attribute-names ApproximateNumberOfMessages ApproximateAgeOfOldestMessage`",
            f"{_SERVICE_LOGS}: which messages take long",
        ),
        (
            "a release made each message costlier: roll back (see Rollback above)",
            "raise `cpu` in the handoff and deploy; lower `scaling.messages_per_task` so "
            "fewer messages share a task",
        ),
    ),
    "service:memory": Guide(
        "memory (ECS service)",
        "Memory does not autoscale: a task is killed when it reaches 100%.",
        (f"{_STOPPED_TASKS}: `OutOfMemoryError` in a container's reason, exit code 137",),
        ("raise `memory` in the handoff and deploy; find the leak before the next release",),
    ),
    "service:running-tasks": Guide(
        "running tasks",
        "Fewer tasks run than desired for 10 minutes: tasks fail to start, crash-loop or "
        "cannot be placed. A ticket, never a page: the service runs with less capacity "
        "than planned. Half of the tasks or more missing pages through the service-down "
        "alarm of a public or TCP/UDP service (its `tasks-missing-share` member), and no "
        "task at all through the `no-tasks` alarm of any other service that must run.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,pendingCount,events[:10]]'`: tasks "
            "that cannot be placed (no capacity in a zone, no free IP address in a subnet) "
            "show there",
            f"{_STOPPED_TASKS}: why they stopped and their exit codes",
        ),
        (
            "image pull errors: check the image tag and the ECR or registry access",
            "crash on start: roll back to the last good image",
        ),
    ),
    "service:tasks-missing-share": Guide(
        "half the tasks missing",
        "Half or more of the service's desired tasks have not run for 10 minutes: the "
        "tasks left carry twice their load or more, or a crash loop keeps only a task or "
        "two starting. With 1 or 2 desired tasks one missing task is already half, and "
        "pages: no redundancy is left. A member of the service-down alarm, which "
        "pages; it tells nobody on its own. One task of many missing is the "
        "`running-tasks` ticket instead.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,pendingCount,events[:10]]'`: tasks "
            "that cannot be placed (no capacity in a zone, no free IP address in a subnet) "
            "show there",
            f"{_STOPPED_TASKS}: why they stopped and their exit codes",
        ),
        (
            "crash on start after a release: roll back to the last good image (see Rollback above)",
            "image pull or secret errors: fix the image or secret, then `aws ecs update-service "
            '--cluster "$CLUSTER" --service "$SERVICE" --force-new-deployment`',
            "tasks not placed (the events name the zone or subnet without capacity or free "
            "addresses): ECS keeps trying; meanwhile the tasks left serve everything, so "
            "watch their `cpu` alarm and the burn rates",
        ),
    ),
    "service:no-tasks": Guide(
        "no task running",
        "A service that must always run (its `scaling.min` is at least 1) has had no task "
        "running for 5 minutes: the services that call it get connection errors, or its "
        "queue is not consumed. ECS reports no metric for a service without a running task, "
        "so the alarm counts missing data as breaching; it pages in production. Queue "
        "consumers that scale to zero have no such alarm.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,pendingCount,events[:10]]'`: a desired "
            "count of 0 set by hand, or why tasks do not start",
            f"{_STOPPED_TASKS}: why they stopped and their exit codes",
        ),
        (
            "image pull or secret errors: fix the image or secret, then `aws ecs update-service "
            '--cluster "$CLUSTER" --service "$SERVICE" --force-new-deployment`',
            "crash on start after a release: roll back to the last good image (see Rollback above)",
            "no Spot capacity: the service's Fargate Spot share cannot place tasks; "
            "`spot: false` on the service in the handoff",
        ),
    ),
    "service:no-healthy-hosts": Guide(
        "no healthy hosts",
        "No target of the service passes its health check: an Application Load Balancer "
        "answers every request with 502/503 itself; a Network Load Balancer fails open and "
        "keeps sending connections to the failing targets. In production it pages through "
        "the service-down alarm of a public or TCP/UDP service.",
        (
            f"{_TARGET_HEALTH}: each target's state and reason",
            "the service's events and stopped tasks (see running tasks below)",
        ),
        (
            "tasks crash or fail health checks after a release: roll back (see Rollback above)",
            "a dependency down (database, secrets): follow that alarm's section",
        ),
    ),
    "service:down": Guide(
        "service down",
        "A public or TCP/UDP service is down: no healthy target, or half of its desired "
        "tasks or more missing for 10 minutes (one task of many missing is a ticket, "
        "`running-tasks`). It "
        "pages in production and mutes the service's burn-rate pages (CloudWatch's actions "
        "suppressor) while it is in ALARM, and its 5xx-ratio where that pages (a public "
        "service no availability SLO's burn rate pages for); where one does, the 5xx alarms "
        "are tickets and still notify. Other environments get a ticket.",
        (f"which member fired: {_DESCRIBE}",),
        ("follow the member's section: no healthy hosts, or half the tasks missing",),
    ),
    "load_balancer:elb-5xx": Guide(
        "load balancer 5xx",
        "The load balancer itself answers with 5xx (no healthy target, target timeouts or "
        "connection errors) for several services at once: its own 5xx cannot be told apart "
        "by service, so this alarm watches the shared load balancer.",
        (f"{_DESCRIBE}", "the `no-healthy-hosts` and `running-tasks` alarms of its services"),
        ("follow the failing service's sections",),
    ),
    "static:errors": Guide(
        "static site errors",
        "CloudFront answers a site's visitors with errors in busy minutes: more than the "
        "5xx threshold (the origin fails or the distribution is misconfigured), or most "
        "responses 4xx. S3 answers CloudFront 403 when the bucket policy or the origin "
        "access control no longer admits it or the bucket is gone, and 404 for deleted "
        "files; a single-page app's error responses fetch /index.html from that same "
        "bucket, and when that fails too CloudFront passes the 403/404 on. So a broken "
        "policy shows as nearly every response 4xx and no 5xx at all. A flood the site's "
        "web ACL blocks (where it has one) answers 403 too: its WAF blocked-share alarm "
        "fires with this one then (the WAF section). The alarm lives in us-east-1 and "
        "reaches the stack's alert topics through EventBridge.",
        (
            "`for id in $(pulumi stack output static_sites --json | jq -r "
            "'.[] | objects | .distribution_id'); do for m in 4xxErrorRate 5xxErrorRate; do "
            'echo "$id $m"; aws cloudwatch get-metric-statistics --region us-east-1 '
            '--namespace AWS/CloudFront --metric-name "$m" '
            '--dimensions Name=DistributionId,Value="$id" Name=Region,Value=Global '
            "--start-time \"$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)\" "
            '--end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --period 300 --statistics Average '
            "--query 'sort_by(Datapoints,&Timestamp)[].[Timestamp,Average]' --output text; "
            "done; done`: 4xx near 100% with no 5xx is S3 refusing CloudFront (the next "
            "three checks); 5xx is the origin or the distribution",
            "`for id in $(pulumi stack output static_sites --json | jq -r "
            "'.[] | objects | .distribution_id'); "
            'do aws cloudfront get-distribution --id "$id" --query '
            "'Distribution.[Id,Status,DistributionConfig.Origins.Items[0].DomainName,"
            "DistributionConfig.Origins.Items[0].OriginAccessControlId]'; done`: "
            "each distribution is Deployed, its origin is its site's bucket, signed with "
            "its origin access control",
            "`for bucket in $(pulumi stack output static_sites --json | jq -r "
            "'.[] | objects | .bucket'); do "
            'aws s3api get-bucket-policy --bucket "$bucket" --query Policy --output text '
            '| jq \'[.Statement[] | select(.Effect == "Allow") | '
            '.Condition.StringEquals["AWS:SourceArn"]]\'; done`: the bucket exists and '
            "admits its distribution's ARN (`arn:aws:cloudfront::<account>:distribution/<id>`)",
            "`for bucket in $(pulumi stack output static_sites --json | jq -r "
            "'.[] | objects | .bucket'); do "
            'aws s3api head-object --bucket "$bucket" --key index.html; done`: the files are there',
        ),
        (
            "files missing or a bad upload: rerun the CI's site job for the last good commit "
            "(it syncs and invalidates)",
            "the bucket policy or origin access control edited by hand: `pulumi up` restores "
            "the program's " + FIRST,
            "the bucket deleted: `pulumi up --refresh` creates it again, empty, with its "
            "policy " + FIRST + ", then rerun the CI's site job to upload the files",
        ),
    ),
    "service:health-check": Guide(
        "public domain unreachable",
        "Route 53's checkers, on the internet, cannot get a 2xx or 3xx from the public "
        "domain's health path, so no user request reaches the service either: the DNS "
        "record is gone or points elsewhere, the TLS handshake does not complete (no "
        "certificate on the HTTPS listener), the listener or its rules changed, the WAF "
        "blocks the checkers, or every task is down (then the service-down page comes too). "
        "The load balancer's own alarms stay quiet in the first four cases: nothing reaches "
        "it. The alarm lives in us-east-1 (Route 53's metrics) and reaches the stack's alert "
        "topics through EventBridge. Route 53's HTTPS check does not validate the "
        "certificate: an expired one, or one that does not cover the name, still passes; "
        "the certificate renewal and expiry alarms watch that.",
        (
            '`aws route53 get-health-check-status --health-check-id "$HEALTH_CHECK" --query '
            "'HealthCheckObservations[].[Region,StatusReport.Status]' --output table`: what "
            "each checker saw (a DNS failure, a TLS error, a timeout, or the HTTP status); "
            '`aws route53 get-health-check-last-failure-reason --health-check-id "$HEALTH_CHECK"` '
            "when it flaps",
            '`aws route53 get-health-check --health-check-id "$HEALTH_CHECK" --query '
            "'HealthCheck.HealthCheckConfig.[FullyQualifiedDomainName,ResourcePath]' --output "
            "text`: the name and path it requests",
            "`dig +short <name>`: no answer means the alias record is gone (`aws route53 "
            "list-resource-record-sets --hosted-zone-id <zone id> --query "
            "\"ResourceRecordSets[?Name == '<name>.']\"`, the zone's id from `aws route53 "
            "list-hosted-zones-by-name --dns-name <zone>`); an answer that is not the load "
            "balancer's addresses means the record was changed",
            "`curl -v https://<name><path>`: the handshake (the certificate's subject and expiry "
            "date) and the status the service answers; a 403 with a WAF body is the web ACL",
            '`aws acm list-certificates --query "CertificateSummaryList[?DomainName == '
            "'<name>'].[CertificateArn,Status,InUse]\"`, then `aws acm describe-certificate "
            "--certificate-arn <arn> --query 'Certificate.[Status,NotAfter,RenewalSummary."
            "RenewalStatus,InUseBy]'`: issued, not expired, renewing, and on the load balancer",
            "`aws elbv2 describe-listeners --load-balancer-arn <ALB ARN> --query "
            "'Listeners[].[Port,Protocol,Certificates[0].CertificateArn]'` (the ARN from `aws "
            "elbv2 describe-load-balancers --query "
            "'LoadBalancers[].[LoadBalancerName,DNSName,LoadBalancerArn]'`): 443 is HTTPS with "
            "that certificate",
        ),
        (
            "the record, the certificate, the listener or the web ACL changed by hand: "
            "`pulumi preview` shows the drift, `pulumi up` restores the program's " + FIRST,
            "every task down: follow the service-down section",
        ),
    ),
    "service:tcp-health-check": Guide(
        "TCP/TLS service unreachable by its name",
        "Route 53's checkers, on the internet, cannot open a TCP connection to the "
        "service's own name `<service>.<domain>` on its listener port, so clients cannot "
        "connect either: the alias record is gone or points elsewhere, the zone's delegation "
        "is broken, the Network Load Balancer's listener or security group changed, or no "
        "target is healthy (then the service-down page comes too). The tasks may stay "
        "healthy and the service's own alarms quiet: nothing reaches them. The check only "
        "opens a connection: for a TLS listener it does not test the handshake or the "
        "certificate (the certificate renewal and expiry alarms watch that). The alarm "
        "lives in us-east-1 (Route 53's metrics) and reaches the stack's alert topics "
        "through EventBridge.",
        (
            "`HEALTH_CHECK=$(pulumi stack output health_checks --json | jq -r "
            "'.[\"<service>\"]')`, then `aws route53 get-health-check-status "
            '--health-check-id "$HEALTH_CHECK" --query '
            "'HealthCheckObservations[].[Region,StatusReport.Status]' --output table`: what "
            "each checker saw (a DNS failure, a refused connection or a timeout)",
            '`aws route53 get-health-check --health-check-id "$HEALTH_CHECK" --query '
            "'HealthCheck.HealthCheckConfig.[Type,FullyQualifiedDomainName,Port]' --output "
            "text`: the name and port it connects to",
            "`dig +short <name>`: no answer means the alias record is gone or the delegation "
            "broken (`dig NS <zone>` against the parent's answer); an answer that is not "
            "the load balancer's addresses means the record was changed",
            "`nc -vz <name> <port>` (`openssl s_client -connect <name>:<port> -servername "
            "<name>` for TLS): refused or timing out from outside while the tasks run points "
            "at the listener or the security group",
            "`aws elbv2 describe-load-balancers --query "
            "\"LoadBalancers[?Type=='network'].[LoadBalancerName,DNSName,LoadBalancerArn,"
            'SecurityGroups]"`, then `aws elbv2 describe-listeners --load-balancer-arn <NLB '
            "ARN> --query 'Listeners[].[Port,Protocol,Certificates[0].CertificateArn]'` and "
            "`aws elbv2 describe-target-health --target-group-arn <its target group ARN>`: "
            "the listener port, its protocol, and healthy targets",
        ),
        (
            "the record, the listener or the security group changed by hand: "
            "`pulumi preview` shows the drift, `pulumi up` restores the program's " + FIRST,
            "the delegation broken: restore the NS records of the zone at its parent (the "
            "handoff's hosted-zones step)",
            "no healthy target: follow the service-down section",
        ),
    ),
    "job:failed-runs": Guide(
        "failed job runs",
        "A run of the scheduled job stopped with a non-zero exit code, or could not start "
        "(the EventBridge rule on its ECS task state changes mailed the task's event).",
        (
            "the event's `stoppedReason`, `stopCode` and each container's `exitCode`",
            "`aws ecs describe-tasks --cluster $CLUSTER --tasks <task arn from the event> "
            "--query 'tasks[0].[stoppedReason,healthStatus,containers[].[name,lastStatus,"
            "healthStatus,exitCode,reason]]'`",
            "the job's log group in CloudWatch Logs, around the event's time",
        ),
        (
            "fix the cause, then start a run by hand: `aws ecs run-task --cluster $CLUSTER "
            "--task-definition <family> --launch-type FARGATE --network-configuration ...`",
            "a failed run is an event, not a state: no OK follows, so resolve the ticket (or "
            "the page, for a job marked `on_failure: page`) by hand once a run succeeds",
        ),
    ),
    "job:failed-invocations": Guide(
        "failed job invocations",
        "EventBridge Scheduler could not start the scheduled task (capacity, IAM or "
        "networking) and dropped the run after its retries.",
        (
            "the job's schedule (`<job>`: the job in the table above): `aws scheduler "
            "list-schedules --name-prefix <job>-schedule --query "
            "'Schedules[].[GroupName,Name,State]'`, then `aws scheduler get-schedule "
            "--group-name <group> --name <schedule>` for its target, role and retry policy",
            "the scheduler's failed `RunTask` calls in CloudTrail: `aws cloudtrail "
            "lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=RunTask`",
        ),
        (
            "fix the cause, then start a run by hand with the schedule's own target: "
            "`aws scheduler get-schedule --group-name <group> --name <schedule> --query "
            "Target.EcsParameters` gives the task definition and network configuration for "
            '`aws ecs run-task --cluster "$CLUSTER" --task-definition <task definition ARN> '
            "--launch-type FARGATE --network-configuration <from the schedule>`",
        ),
    ),
    "job:long-run": Guide(
        "job run too long",
        "A run of the scheduled job has been going for longer than it should (an hour at "
        "most, or the gap between two runs): ECS has no task timeout, so a hung run holds "
        "its task, connections and locks until someone stops it.",
        (
            "the job's task definition (`<job>`: the job in the table above): `aws "
            "scheduler list-schedules --name-prefix <job>-schedule --query "
            "'Schedules[].[GroupName,Name]'`, then `aws scheduler get-schedule --group-name "
            "<group> --name <schedule> --query Target.EcsParameters.TaskDefinitionArn`; its "
            "family is the name between `task-definition/` and the last `:`",
            'its running tasks: `aws ecs list-tasks --cluster "$CLUSTER" --family <family> '
            "--desired-status RUNNING`",
            'when each started: `aws ecs describe-tasks --cluster "$CLUSTER" --tasks '
            "<task arn> --query 'tasks[].[taskArn,startedAt,lastStatus,healthStatus]'`",
            "the job's log group in CloudWatch Logs: where the run stopped making progress",
        ),
        (
            'stop the hung run: `aws ecs stop-task --cluster "$CLUSTER" --task <task arn> '
            "--reason 'hung run'` (the failed-runs rule then reports its exit)",
            "a run that is slow, not hung: make the job faster or run it less often",
        ),
    ),
    "job:missed-runs": Guide(
        "missed job runs",
        "EventBridge Scheduler has not tried to start the job in twice the longest gap "
        "between its runs: the schedule was disabled or deleted, or its group is gone. On a "
        "new stack it fires once before the first run is even due: the scheduler publishes "
        "`InvocationAttemptCount` only when it tries a run, the alarm treats missing data as "
        "breaching, and CloudWatch cannot tell a run not yet due from a missed one. It is "
        "always a ticket, also for a job marked `on_failure: page` (it can tell only after "
        "twice the gap, too late for a page to save a deadline). This ticket within minutes "
        "of the stack's first deploy, with the schedule ENABLED and its first run still ahead "
        "(the checks below), is that one: it returns to OK at the first run.",
        (
            "the job's schedule (`<job>`: the job in the table above): `aws scheduler "
            "list-schedules --name-prefix <job>-schedule --query "
            "'Schedules[].[GroupName,Name,State]'`: it exists and its State is ENABLED",
            "`aws scheduler get-schedule --group-name <group> --name <schedule> --query "
            "'[State,ScheduleExpression,ScheduleExpressionTimezone,EndDate]'`: the expression "
            "and no past end date",
        ),
        (
            "`pulumi up` restores the schedule the program defines (state, expression, group) "
            + FIRST,
            "start the missed run by hand, as for failed invocations above",
        ),
    ),
    **DATASTORE_GUIDES,
    **CERT_GUIDES,
    **SQL_GUIDES,
    **SEARCH_GUIDES,
    **DOCDB_GUIDES,
}
GUIDES["slo:burn"] = Guide(
    "SLO burn-rate windows",
    "One window of a multi-window burn-rate alert. These alarms notify nobody themselves: the "
    "composite alarm of their SLO fires when both its windows burn, and pages or opens a ticket.",
    ("the composite alarm and the SLO's section below",),
    ("act on the SLO's section; a single window in ALARM alone needs no action",),
)
